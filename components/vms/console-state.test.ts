import { describe, expect, it } from 'vitest';
import { CONSOLE_CLOSE } from '@/lib/agent-protocol/console';
import { afterClose, afterControl, badgeFor, CONNECTING, consoleSocketUrl, inputFrames } from './console-state';

describe('console view', () => {
  it('goes live on attach, takes the mode, and says why a later mode change happened', () => {
    let v = afterControl(CONNECTING, { type: 'attached', historyBytes: 10 });
    v = afterControl(v, { type: 'mode', mode: 'read-only', reason: 'Viewers can watch' });
    expect(v).toMatchObject({ phase: 'live', mode: 'read-only', message: null });
    expect(badgeFor(v, true)).toEqual({ label: 'Read-only', tone: 'amber' });
    v = afterControl(v, { type: 'mode', mode: 'interactive', reason: 'your role changed' });
    expect(v).toMatchObject({ mode: 'interactive', message: 'your role changed' });
    expect(badgeFor(v, true)).toEqual({ label: 'Live', tone: 'green' });
    expect(badgeFor(v, false).label).toBe('VM off');
  });

  it('maps close codes: stopped/off, no QEMU, signed out, gone (retried)', () => {
    const live = { ...CONNECTING, phase: 'live' as const, mode: 'interactive' as const };
    expect(afterClose(live, CONSOLE_CLOSE.stopped, 'VM stopped')).toMatchObject({ phase: 'off', retry: false });
    expect(afterClose(live, 4409, 'off')).toMatchObject({ phase: 'off', retry: false });
    expect(afterClose(live, 4501, 'simulated')).toMatchObject({ phase: 'unavailable', retry: false });
    expect(afterClose(live, 4401, '')).toMatchObject({
      phase: 'disconnected',
      retry: false,
      message: expect.stringMatching(/sign in/i),
    });
    expect(afterClose(live, CONSOLE_CLOSE.idle, 'idle')).toMatchObject({ phase: 'disconnected', retry: false });
    for (const code of [1006, 4503, CONSOLE_CLOSE.shutdown, CONSOLE_CLOSE.slow])
      expect(afterClose(live, code, '')).toMatchObject({ phase: 'disconnected', retry: true });
    // A refusal explained by an error message keeps that message.
    const refused = afterControl(CONNECTING, {
      type: 'error',
      code: 'HOST_OFFLINE',
      message: 'Host h1 is offline',
      status: 503,
    });
    expect(afterClose(refused, 4503, 'x').message).toBe('Host h1 is offline');
  });

  it('splits a long paste into frames the gateway accepts, by bytes', () => {
    const frames = inputFrames('é'.repeat(3000), 4096); // 6000 bytes
    expect(frames.map((f) => f.length)).toEqual([4096, 1904]);
    expect(new TextDecoder().decode(Buffer.concat(frames))).toBe('é'.repeat(3000));
  });

  it('connects to its own origin', () => {
    expect(consoleSocketUrl({ protocol: 'https:', host: 'vmops.example:8443' }, 'vm-1')).toBe(
      'wss://vmops.example:8443/api/vms/vm-1/console/ws',
    );
    expect(consoleSocketUrl({ protocol: 'http:', host: '127.0.0.1:3000' }, 'vm-1')).toBe(
      'ws://127.0.0.1:3000/api/vms/vm-1/console/ws',
    );
  });
});
