// The stack's supervisor with real child processes (tiny node scripts): restarts with the
// backoff, reset after a long enough run, no restart once stopped or refused, SIGKILL as the
// stop's last resort, notes in the terminal and the log file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { sleep, waitFor } from '@/lib/wait-for';
import { restartDelay, STACK_BACKOFF, supervise, type Backoff, type Supervised } from './supervisor';

const fast: Backoff = { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 };

let dir: Awaited<ReturnType<typeof tempDir>>;
let running: Supervised[] = [];
beforeEach(async () => (dir = await tempDir('vmops-supervisor-')));
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop(1000)));
  running = [];
  await dir.remove();
});

const logFile = () => path.join(dir.path, 'logs', 'c1.log');
const runsFile = () => path.join(dir.path, 'runs.txt');

// A node child that runs `prelude`, appends its start time to runs.txt (so the test knows the
// prelude ran), prints a line, then runs `body`.
function child(body: string, opts: { backoff?: Backoff; restart?: () => boolean; prelude?: string } = {}) {
  const lines: string[] = [];
  const exits: boolean[] = [];
  const script =
    `${opts.prelude ?? ''}; require('fs').appendFileSync(${JSON.stringify(runsFile())}, Date.now() + '\\n'); ` +
    `console.log('hello from ' + process.pid); ${body}`;
  const s = supervise('c1', process.execPath, ['-e', script], {
    env: process.env,
    logDir: path.dirname(logFile()),
    backoff: opts.backoff ?? fast,
    restart: opts.restart,
    onExit: (_, restarting) => exits.push(restarting),
    print: (l) => lines.push(l),
  });
  running.push(s);
  const notes = () => lines.filter((l) => !l.includes('hello from'));
  return {
    s,
    exits,
    notes,
    delays: () => notes().flatMap((l) => l.match(/restarting in ([\d.]+ s)/)?.[1] ?? []),
    starts: async () => (await readFile(runsFile(), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number),
  };
}

describe('restartDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => restartDelay(n, STACK_BACKOFF))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});

// Real processes on a shared, loaded machine: patient timeouts, bounds that do not depend on speed.
describe('supervise', { timeout: 30_000 }, () => {
  it('restarts a child that keeps dying, with the doubling, capped backoff, and says so', async () => {
    const c = child('process.exit(3)');
    const starts = await waitFor('5 runs', async () => ((await c.starts()).length >= 5 ? c.starts() : null), 20_000);
    expect(c.delays().slice(0, 4)).toEqual(['0.1 s', '0.2 s', '0.4 s', '0.4 s']);
    const restartNotes = c.notes().filter((l) => l.includes('restarting in'));
    expect(restartNotes[0]).toMatch(/^\[c1\] exited code=3 after [\d.]+ s; restarting in 0\.1 s \(restart 1\)$/);
    expect(restartNotes[2]).toMatch(/\(restart 3, 3 exits in a row within 60 s of starting\)$/);
    // The gap between two runs is at least the delay (plus the child's own start and exit).
    const gaps = starts.slice(1, 5).map((t, i) => t - starts[i]);
    [100, 200, 400, 400].forEach((d, i) => expect(gaps[i]).toBeGreaterThanOrEqual(d));
    // Said once when the cap is reached, not on every retry.
    expect(c.notes().filter((l) => l.includes('keeps dying'))).toEqual([
      `[c1] keeps dying soon after starting; retrying every 0.4 s until a run lasts 60 s; see ${logFile()}`,
    ]);
    expect(c.exits.every(Boolean)).toBe(true);

    await c.s.stop();
    const log = await readFile(logFile(), 'utf8');
    expect(log).toMatch(/hello from \d+/);
    expect(log).toMatch(/-- \S+ exited code=3 after [\d.]+ s; restarting in 0\.1 s \(restart 1\)/);
    expect(log).toMatch(/-- \S+ started again \(pid \d+\)/);
  });

  it('starts the backoff over once a run lasted resetAfterMs', async () => {
    // Runs 1, 2 exit at once; run 3 stays up 4 s (> resetAfterMs, which a slow node start stays under);
    // runs 4, 5 exit at once.
    const run = `require('fs').readFileSync(${JSON.stringify(runsFile())}, 'utf8').split('\\n').length - 1`;
    const c = child(`setTimeout(() => process.exit(1), ${run} === 3 ? 4000 : 0)`, {
      backoff: { ...fast, resetAfterMs: 3000 },
    });
    await waitFor('5 runs', async () => (await c.starts()).length >= 5, 20_000, 20);
    expect(c.delays().slice(0, 4)).toEqual(['0.1 s', '0.2 s', '0.1 s', '0.2 s']);
  });

  it('restarts a child killed with SIGKILL (a new pid), and stop() stops it for good', async () => {
    const c = child('setInterval(() => {}, 1000)');
    const first = await waitFor('the child', () => c.s.pid(), 10_000, 20);
    await waitFor('its first run', async () => (await c.starts()).length === 1, 10_000, 20);
    process.kill(first, 'SIGKILL');
    const second = await waitFor('a new pid', () => (c.s.pid() !== first ? c.s.pid() : null), 10_000, 20);
    await waitFor('its second run', async () => (await c.starts()).length === 2, 10_000, 20);
    expect(c.notes()).toContainEqual(
      expect.stringMatching(/^\[c1\] exited signal=SIGKILL after [\d.]+ s; restarting in 0\.1 s \(restart 1\)$/),
    );

    await c.s.stop();
    expect(() => process.kill(second, 0)).toThrow(/ESRCH/);
    expect(c.s.pid()).toBeUndefined();
    await sleep(600); // longer than any delay of this backoff
    expect(await c.starts()).toHaveLength(2);
    expect(c.s.restarts()).toBe(1);
    expect(c.notes().filter((l) => l.includes('exited'))).toHaveLength(1); // the stop is in the log only
    expect(await readFile(logFile(), 'utf8')).toMatch(/exited signal=SIGTERM \(stopped\)/);
  });

  it('cancels a pending restart when stopped while the child is dead', async () => {
    const c = child('process.exit(1)', { backoff: { ...fast, initialMs: 1000 } });
    await waitFor('the first exit', () => c.exits.length === 1, 10_000, 10);
    await c.s.stop();
    await sleep(1300);
    expect(await c.starts()).toHaveLength(1);
  });

  it('does not restart when restart() says no, and hands the exit to onExit', async () => {
    const c = child('process.exit(4)', { restart: () => false });
    await waitFor('the exit', () => c.exits.length === 1, 10_000, 10);
    await sleep(300);
    expect(c.exits).toEqual([false]);
    expect(await c.starts()).toHaveLength(1);
    expect(c.notes()).toEqual([`[c1] exited code=4; see ${logFile()}`]);
  });

  it('kills a child that ignores SIGTERM once the stop timeout passes', async () => {
    const c = child('setInterval(() => {}, 1000)', { prelude: `process.on('SIGTERM', () => {})` });
    const pid = await waitFor('the child', () => c.s.pid(), 10_000, 20);
    await waitFor('its handler', async () => (await c.starts()).length === 1, 10_000, 20);
    const t0 = Date.now();
    await c.s.stop(300);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    expect(await readFile(logFile(), 'utf8')).toMatch(/exited signal=SIGKILL \(stopped\)/);
  });
});
