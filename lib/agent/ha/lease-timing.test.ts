import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../config';
import { DEFAULT_LEASE, fenceDeadlineNs, leaseTiming, leaseValid, msToNs, mustFence } from './lease-timing';
import type { HaTiming } from '@/lib/agent-protocol/ha';

const base = [
  '--name',
  'h1',
  '--port',
  '7101',
  '--data',
  '/var/d',
  '--shared',
  '/srv/s',
  '--dashboard',
  'http://127.0.0.1:3000',
];

describe('leaseTiming', () => {
  it('accepts the defaults: fence after timeout - margin', () => {
    expect(leaseTiming(DEFAULT_LEASE)).toEqual({ renewMs: 2000, timeoutMs: 8000, fenceAfterMs: 6000 });
    expect(leaseTiming({ renewMs: 3000, timeoutMs: 8000, marginMs: 2000 })).toEqual({
      renewMs: 3000,
      timeoutMs: 8000,
      fenceAfterMs: 6000,
    }); // exactly two renewals fit
  });

  it('refuses a margin under 1 s and a renew interval that does not fit twice before fencing', () => {
    expect(leaseTiming({ renewMs: 2000, timeoutMs: 8000, marginMs: 999 })).toEqual({
      error: expect.stringMatching(/margin 999 ms: must be at least 1000/),
    });
    expect(leaseTiming({ renewMs: 3001, timeoutMs: 8000, marginMs: 2000 })).toEqual({
      error: expect.stringMatching(/at most \(timeout 8000 - margin 2000\) \/ 2 = 3000 ms/),
    });
    expect(leaseTiming({ renewMs: 1000, timeoutMs: 2000, marginMs: 2000 })).toHaveProperty('error');
  });

  it('comes from the agent flags and env, and an unsafe triple fails at start naming the flags', () => {
    expect(parseAgentConfig(base, {}).haTiming).toEqual({ renewMs: 2000, timeoutMs: 8000, fenceAfterMs: 6000 });
    const c = parseAgentConfig(
      [...base, '--lease-renew-ms', '500', '--lease-timeout-ms', '4000', '--edac-root', '/tmp/edac'],
      { VMOPS_AGENT_LEASE_MARGIN_MS: '1500' },
    );
    expect(c.haTiming).toEqual({ renewMs: 500, timeoutMs: 4000, fenceAfterMs: 2500 });
    expect(c.edacRoot).toBe('/tmp/edac');
    expect(parseAgentConfig(base, {}).edacRoot).toBe('/sys/devices/system/edac');
    expect(() => parseAgentConfig([...base, '--lease-margin-ms', '100'], {})).toThrow(
      /--lease-renew-ms \/ --lease-timeout-ms \/ --lease-margin-ms: lease margin 100 ms/,
    );
  });
});

describe('the fence decision', () => {
  const t: HaTiming = { renewMs: 2000, timeoutMs: 8000, fenceAfterMs: 6000 };
  const s = (ms: number) => msToNs(ms) + 10n ** 12n; // monotonic readings far from 0

  it('is valid up to fenceAfterMs after the START of the last good renewal, and fences just after', () => {
    const c = { startedNs: s(0), lastGoodStartNs: s(1000) };
    expect(leaseValid(s(7000), c, t)).toBe(true);
    expect(mustFence(s(7000), c, t)).toBe(false);
    expect(leaseValid(s(7001), c, t)).toBe(false);
    expect(mustFence(s(7001), c, t)).toBe(true);
    expect(fenceDeadlineNs(c, t)).toBe(s(7000));
  });

  it('before the first renewal: never valid, and the process start stands in for the deadline', () => {
    const c = { startedNs: s(0), lastGoodStartNs: null };
    expect(leaseValid(s(1), c, t)).toBe(false);
    expect(mustFence(s(6000), c, t)).toBe(false);
    expect(mustFence(s(6001), c, t)).toBe(true);
  });

  it('a fence deadline is always before any peer may declare expiry, by the margin', () => {
    // A peer sees counter c no earlier than the start of the write that made c (t_s), and declares
    // expiry no earlier than t_s + timeout; the owner fences at t_s + fenceAfter.
    for (const renewStart of [0, 1234, 99_999]) {
      const c = { startedNs: s(0), lastGoodStartNs: s(renewStart) };
      expect(fenceDeadlineNs(c, t) + msToNs(2000)).toBe(s(renewStart + t.timeoutMs));
    }
  });
});
