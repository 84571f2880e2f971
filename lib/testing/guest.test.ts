import { describe, expect, it } from 'vitest';
import { ask, linesAfter, type SerialConsole } from './guest';

describe('linesAfter', () => {
  it('is what was appended, whether or not the window scrolled', () => {
    expect(linesAfter(['a', 'b'], ['a', 'b', 'c'])).toEqual(['c']);
    expect(linesAfter(['a', 'b', 'c'], ['b', 'c', 'd'])).toEqual(['d']); // window of 3 scrolled by 1
    expect(linesAfter(['a', 'b', 'c'], ['c', 'd', 'e'])).toEqual(['d', 'e']);
    expect(linesAfter(['a', 'b'], ['c', 'd'])).toEqual(['c', 'd']); // scrolled past everything seen
    expect(linesAfter([], ['a'])).toEqual(['a']);
    expect(linesAfter(['a'], ['a'])).toEqual([]);
  });

  it('never hands back a line seen before, even when lines repeat', () => {
    expect(linesAfter(['x', 'x'], ['x', 'x'])).toEqual([]);
    expect(linesAfter(['ok', 'ok'], ['ok', 'ok', 'ok'])).toEqual(['ok']);
  });
});

// A guest console over a log the test appends to, shown through a window of `window` lines.
function fakeConsole(log: string[], window: number, onSend: (line: string) => void): SerialConsole {
  return {
    console: async (_id, n) => ({ lines: log.slice(-Math.min(n, window)) }),
    sendSerial: async (_id, line) => onSend(line),
  };
}

describe('ask', () => {
  it('returns the answer written after the send, not an earlier one with the same start', async () => {
    const log = ['VMOPS-READY uptime=1', 'VMOPS-RECORDS first=1 last=3 count=3 gaps=0'];
    const c = fakeConsole(log, 100, () =>
      setTimeout(() => log.push('VMOPS-RECORDS first=1 last=12 count=12 gaps=0'), 30),
    );
    expect(await ask(c, 'vm', 'read', /^VMOPS-RECORDS /, 2000)).toBe('VMOPS-RECORDS first=1 last=12 count=12 gaps=0');
  });

  it('finds the answer when the console window is full and scrolls', async () => {
    const log = Array.from({ length: 10 }, (_, i) => `VMOPS-OK seq=${i}`);
    const c = fakeConsole(log, 10, () => setTimeout(() => log.push('noise', 'VMOPS-OK seq=10'), 30));
    expect(await ask(c, 'vm', 'write 1', /^VMOPS-OK seq=\d+$/, 2000)).toBe('VMOPS-OK seq=10');
  });

  it('times out rather than take a line from before the send', async () => {
    const c = fakeConsole(['VMOPS-OK seq=5'], 100, () => {});
    await expect(ask(c, 'vm', 'write 5', /^VMOPS-OK seq=5$/, 300)).rejects.toThrow(/timed out/);
  });
});
