import { describe, expect, it } from 'vitest';
import { DEFAULT_BANDWIDTH_BYTES, dirtyRateOf, estimateMigration, memoryRounds, type EstimateInput } from './estimate';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const base: EstimateInput = {
  mode: 'shared',
  memoryBytes: 1 * GiB,
  rssBytes: 0,
  vcpus: 2,
  vmCpuPct: 50,
  diskBytes: 0,
  diskWriteBytesPerSec: 0,
  dirty: { source: 'measured', bytesPerSec: 0 },
  target: { cpuPct: 20, cpuCount: 4, memoryUsedBytes: 2 * GiB, memoryTotalBytes: 8 * GiB },
};

describe('memoryRounds', () => {
  it('an idle guest is one round plus a tiny stop-and-copy', () => {
    const r = memoryRounds(128 * MiB, 0, 128 * MiB, 300);
    expect(r).toMatchObject({ rounds: 1, finalBytes: 0, converges: true });
    expect(r.ms).toBeCloseTo(1000, 5);
    expect(r.sentBytes).toBe(128 * MiB);
  });

  it('a dirtying guest needs more rounds and sends more than its memory', () => {
    const r = memoryRounds(1 * GiB, 32 * MiB, 128 * MiB, 300);
    // 1 GiB in 8 s dirties 256 MiB, 2 s dirties 64 MiB, 0.5 s dirties 16 MiB <= 38.4 MiB limit
    expect(r.rounds).toBe(3);
    expect(r.finalBytes).toBeCloseTo(16 * MiB, 0);
    expect(r.sentBytes).toBeCloseTo((1024 + 256 + 64 + 16) * MiB, 0);
    expect(r.converges).toBe(true);
  });

  it('does not converge when the guest dirties memory as fast as it is sent', () => {
    expect(memoryRounds(1 * GiB, 200 * MiB, 128 * MiB, 300).converges).toBe(false);
  });
});

describe('estimateMigration', () => {
  it('shared mode: memory only, at the default bandwidth, says what it assumed', () => {
    const e = estimateMigration(base);
    expect(e.diskBytes).toBe(0);
    expect(e.bandwidthBytesPerSec).toBe(DEFAULT_BANDWIDTH_BYTES);
    expect(e.predictedBytes).toBe(1 * GiB);
    expect(e.predictedDurationMs).toBe(8000 + 50);
    expect(e.predictedDowntimeMs).toBe(50);
    expect(e.notes.join(' ')).toMatch(/default migration bandwidth/);
  });

  it('only touched memory is sent when RSS is known', () => {
    const e = estimateMigration({ ...base, rssBytes: 64 * MiB });
    expect(e.predictedBytes).toBe(64 * MiB);
    expect(e.predictedDurationMs).toBe(500 + 50);
  });

  it('storage mode adds the disk mirror, slowed by the guest writing during it', () => {
    const shared = estimateMigration({ ...base, diskBytes: 512 * MiB });
    const storage = estimateMigration({ ...base, mode: 'storage', diskBytes: 512 * MiB, diskWriteBytesPerSec: 64 * MiB });
    expect(shared.diskBytes).toBe(0);
    expect(storage.diskBytes).toBe(512 * MiB);
    // 512 MiB at 128-64 MiB/s net = 8 s of mirroring, 1 GiB of traffic
    expect(storage.predictedDurationMs - shared.predictedDurationMs).toBe(8000);
    expect(storage.predictedBytes - shared.predictedBytes).toBe(1 * GiB);
  });

  it('a requested bandwidth cap slows the prediction and raises the downtime', () => {
    const capped = estimateMigration({ ...base, dirty: { source: 'measured', bytesPerSec: 4 * MiB }, bandwidthBytesPerSec: 8 * MiB });
    const free = estimateMigration({ ...base, dirty: { source: 'measured', bytesPerSec: 4 * MiB } });
    expect(capped.predictedDurationMs).toBeGreaterThan(free.predictedDurationMs * 10);
    expect(capped.notes[0]).toMatch(/capped at 8 MiB/);
  });

  it('falls back to history when the agent cannot measure, and says so', () => {
    const d = { source: 'history' as const, diskWriteBytesPerSec: 1 * MiB, cpuPct: 50, reason: 'agent unreachable' };
    expect(dirtyRateOf(d, 2)).toBe(1 * MiB + 16 * MiB);
    const e = estimateMigration({ ...base, dirty: d });
    expect(e.dirtyRateSource).toBe('history');
    expect(e.dirtyRateBytesPerSec).toBe(17 * MiB);
    expect(e.notes.join(' ')).toMatch(/not measured \(agent unreachable\)/);
  });

  it('target load after the move adds the VM CPU share and its full memory', () => {
    const e = estimateMigration(base);
    expect(e.targetLoadBefore).toMatchObject({ cpuPct: 20, memoryPct: 25 });
    // 50% of 2 vCPUs on a 4-CPU host = +25 points; +1 GiB of 8
    expect(e.targetLoadAfter).toMatchObject({ cpuPct: 45, memoryUsedBytes: 3 * GiB, memoryPct: 37.5 });
  });

  it('warns when the target would be nearly full or the guest never converges', () => {
    const e = estimateMigration({ ...base, dirty: { source: 'measured', bytesPerSec: 500 * MiB }, target: { ...base.target, memoryUsedBytes: 7.5 * GiB } });
    expect(e.converges).toBe(false);
    expect(e.notes.join(' ')).toMatch(/would not converge/);
    expect(e.notes.join(' ')).toMatch(/100% of its memory|would use/);
  });
});
