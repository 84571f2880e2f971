import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BANDWIDTH_BYTES } from '@/lib/agent-protocol/migration';
import {
  bandwidthFor,
  dirtyRateOf,
  estimateMigration,
  measuredThroughput,
  memoryRounds,
  type EstimateInput,
} from './estimate';
import { COMPLETION_POLLING_MS, fixedFromHistory, fixedPrior, median } from './fixed-costs';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
// Two migrations between the same hosts as the agent integration test measured them (QEMU TCG,
// loopback): shared 93.5 MB in 408 ms of copying, storage 81.4 MB in 782 ms.
const observed = [
  { bytes: 93_544_260, transferMs: 408 },
  { bytes: 81_404_294, transferMs: 782 },
];
const base: EstimateInput = {
  mode: 'shared',
  memoryBytes: 1 * GiB,
  rssBytes: 0,
  vcpus: 2,
  vmCpuPct: 50,
  diskBytes: 0,
  diskWriteBytesPerSec: 0,
  dirty: { source: 'measured', bytesPerSec: 0 },
  measured: { bytesPerSec: 128 * MiB, migrations: 3 },
  link: null,
  pastRuns: [],
  target: { cpuPct: 20, cpuCount: 4, memoryUsedBytes: 2 * GiB, memoryTotalBytes: 8 * GiB },
};

describe('measuredThroughput', () => {
  it('is the bytes of recent migrations over their copy time, a big one weighing more', () => {
    const t = measuredThroughput(observed)!;
    expect(t.migrations).toBe(2);
    expect(t.bytesPerSec).toBeCloseTo(((93_544_260 + 81_404_294) / 1190) * 1000, 0); // ~140 MiB/s
    // not the mean of the two rates (~213 MiB/s and ~99 MiB/s)
    expect(t.bytesPerSec / MiB).toBeCloseTo(140.2, 1);
  });

  it('ignores runs without figures (reconciled: bytes and time unknown); none measured is null', () => {
    expect(
      measuredThroughput([
        { bytes: 0, transferMs: 0 },
        { bytes: 64 * MiB, transferMs: 500 },
      ]),
    ).toEqual({ bytesPerSec: 128 * MiB, migrations: 1 });
    expect(measuredThroughput([{ bytes: 0, transferMs: 0 }])).toBeNull();
    expect(measuredThroughput([])).toBeNull();
  });
});

describe('bandwidthFor', () => {
  const measured = measuredThroughput(observed);
  it('uses what migrations between the hosts achieved', () => {
    expect(bandwidthFor(measured)).toMatchObject({
      bytesPerSec: measured!.bytesPerSec,
      source: 'measured',
      note: expect.stringMatching(/140\.2 MiB\/s, measured over the last 2 migrations/),
    });
  });

  it("falls back to the agent's own default cap, the same constant the agent sets", () => {
    expect(DEFAULT_MAX_BANDWIDTH_BYTES).toBe(1 * GiB);
    expect(bandwidthFor(null)).toMatchObject({
      bytesPerSec: DEFAULT_MAX_BANDWIDTH_BYTES,
      source: 'default',
      note: expect.stringMatching(/1024 MiB\/s, the agent's migration bandwidth cap/),
    });
  });

  it('a requested cap wins only when it is lower than the link', () => {
    expect(bandwidthFor(measured, 1 * MiB)).toMatchObject({ bytesPerSec: 1 * MiB, source: 'cap' });
    expect(bandwidthFor(null, 512 * MiB)).toMatchObject({ bytesPerSec: 512 * MiB, source: 'cap' });
    expect(bandwidthFor(measured, 1 * GiB)).toMatchObject({ bytesPerSec: measured!.bytesPerSec, source: 'measured' });
  });
});

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

// Nothing measured: a typical QEMU start plus the hand-over.
const FIXED = fixedPrior('shared', null).ms;

describe('estimateMigration', () => {
  it('shared mode: memory only, at the measured bandwidth, says where it comes from', () => {
    const e = estimateMigration(base);
    expect(e.diskBytes).toBe(0);
    expect(e).toMatchObject({ bandwidthBytesPerSec: 128 * MiB, bandwidthSource: 'measured' });
    expect(e.predictedBytes).toBe(1 * GiB);
    expect(e.predictedDurationMs).toBe(8000 + FIXED);
    expect(e).toMatchObject({ fixedMs: FIXED, fixedSource: 'default' });
    expect(e.predictedDowntimeMs).toBe(50);
    expect(e.notes[0]).toMatch(/measured over the last 3 migrations/);
  });

  it('nothing measured between the hosts: the agent default cap, said so', () => {
    const e = estimateMigration({ ...base, measured: null });
    expect(e).toMatchObject({
      bandwidthBytesPerSec: DEFAULT_MAX_BANDWIDTH_BYTES,
      bandwidthSource: 'default',
      predictedDurationMs: 1000 + FIXED,
    });
    expect(e.notes[0]).toMatch(/nothing|no migration between these hosts/);
  });

  it('the test guest, idle, at the throughput measured on this kind of host: close to what the agent test saw', () => {
    // 128 MiB guest, 89 MiB of it touched (the shared run sent 93.5 MB); it took 408 ms of copying.
    const e = estimateMigration({
      ...base,
      memoryBytes: 128 * MiB,
      rssBytes: 93_544_260,
      measured: measuredThroughput(observed),
    });
    // The copy alone (what those 408 ms were), without the fixed costs of the task around it.
    expect(e.predictedDurationMs - e.fixedMs).toBeGreaterThan(408);
    expect(e.predictedDurationMs - e.fixedMs).toBeLessThan(2 * 408);
    expect(e.predictedDowntimeMs).toBe(50); // idle: nothing left for the stop-and-copy
  });

  it('only touched memory is sent when RSS is known', () => {
    const e = estimateMigration({ ...base, rssBytes: 64 * MiB });
    expect(e.predictedBytes).toBe(64 * MiB);
    expect(e.predictedDurationMs).toBe(500 + FIXED);
  });

  it('storage mode adds the disk mirror, slowed by the guest writing during it', () => {
    const shared = estimateMigration({ ...base, diskBytes: 512 * MiB });
    const storage = estimateMigration({
      ...base,
      mode: 'storage',
      diskBytes: 512 * MiB,
      diskWriteBytesPerSec: 64 * MiB,
    });
    expect(shared.diskBytes).toBe(0);
    expect(storage.diskBytes).toBe(512 * MiB);
    // 512 MiB at 128-64 MiB/s net = 8 s of mirroring, 1 GiB of traffic; and the mirror's set-up
    expect(storage.predictedDurationMs - shared.predictedDurationMs).toBe(8000 + storage.fixedMs - shared.fixedMs);
    expect(storage.fixedMs).toBeGreaterThan(shared.fixedMs);
    expect(storage.predictedBytes - shared.predictedBytes).toBe(1 * GiB);
  });

  it('a requested bandwidth cap slows the prediction and raises the downtime', () => {
    const capped = estimateMigration({
      ...base,
      dirty: { source: 'measured', bytesPerSec: 4 * MiB },
      capBytesPerSec: 8 * MiB,
    });
    const free = estimateMigration({ ...base, dirty: { source: 'measured', bytesPerSec: 4 * MiB } });
    expect(capped.predictedDurationMs).toBeGreaterThan(free.predictedDurationMs * 10);
    expect(capped.bandwidthSource).toBe('cap');
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
    const e = estimateMigration({
      ...base,
      dirty: { source: 'measured', bytesPerSec: 500 * MiB },
      target: { ...base.target, memoryUsedBytes: 7.5 * GiB },
    });
    expect(e.converges).toBe(false);
    expect(e.notes.join(' ')).toMatch(/would not converge/);
    expect(e.notes.join(' ')).toMatch(/100% of its memory|would use/);
  });
});

describe('link probe and fixed costs', () => {
  const link = { bytesPerSec: 900 * MiB, qemuStartMs: 120, exact: true };
  const prior = fixedPrior('shared', 120).ms;

  it('uses the probe until migrations between the hosts are measured, then theirs (running guests)', () => {
    expect(bandwidthFor(null, undefined, link)).toMatchObject({
      bytesPerSec: 900 * MiB,
      source: 'probe',
      note: expect.stringMatching(/between these hosts by the link probe/),
    });
    expect(bandwidthFor(null, undefined, { ...link, exact: false })).toMatchObject({
      source: 'probe',
      note: expect.stringMatching(/with other peers/),
    });
    expect(bandwidthFor(null, 64 * MiB, link)).toMatchObject({ bytesPerSec: 64 * MiB, source: 'cap' });
    for (const probe of [link, { ...link, bytesPerSec: 100 * MiB }])
      expect(bandwidthFor(measuredThroughput(observed), undefined, probe)).toMatchObject({
        source: 'measured',
        note: expect.stringMatching(/140\.2 MiB\/s, measured over the last 2 migrations/),
      });
  });

  it("sends what the VM's last migration sent rather than its RSS (QEMU's own memory is not the guest's)", () => {
    const e = estimateMigration({ ...base, memoryBytes: 128 * MiB, rssBytes: 120 * MiB, lastMemoryBytes: 61 * MiB });
    expect(e.predictedBytes).toBe(61 * MiB);
    expect(e.notes.join(' ')).toMatch(/last migration sent/);
  });

  it("a VM never moved sends the share of its memory other VMs' migrations sent, when below its RSS", () => {
    const vm = { ...base, memoryBytes: 128 * MiB, rssBytes: 150 * MiB };
    expect(estimateMigration(vm).predictedBytes).toBe(128 * MiB);
    const e = estimateMigration({ ...vm, memoryShare: 0.5 });
    expect(e.predictedBytes).toBe(64 * MiB);
    expect(e.notes.join(' ')).toMatch(/50% of its memory, the share recent migrations of other VMs sent/);
    expect(estimateMigration({ ...vm, rssBytes: 32 * MiB, memoryShare: 0.5 }).predictedBytes).toBe(32 * MiB);
    expect(estimateMigration({ ...vm, lastMemoryBytes: 80 * MiB, memoryShare: 0.5 }).predictedBytes).toBe(80 * MiB);
  });

  it("a VM never moved sends its memory holding data as its agent sampled it, before RSS or others' share", () => {
    const vm = { ...base, memoryBytes: 128 * MiB, rssBytes: 128 * MiB, memoryShare: 0.9, memoryInUseBytes: 60 * MiB };
    const e = estimateMigration(vm);
    expect(e.predictedBytes).toBe(60 * MiB);
    expect(e.notes.join(' ')).toMatch(/non-zero pages, sampled by its agent/);
    expect(estimateMigration({ ...vm, memoryInUseBytes: 200 * MiB }).predictedBytes).toBe(128 * MiB); // capped
    expect(estimateMigration({ ...vm, lastMemoryBytes: 61 * MiB }).predictedBytes).toBe(61 * MiB); // measured sent wins
    expect(estimateMigration({ ...vm, memoryInUseBytes: null }).predictedBytes).toBe(Math.round(128 * MiB * 0.9));
  });

  it('the predicted duration is the fixed costs plus the transfer; the basis is shown', () => {
    const e = estimateMigration({
      ...base,
      memoryBytes: 128 * MiB,
      rssBytes: 90 * MiB,
      link,
      measured: null,
      pastRuns: [{ durationMs: 600, bytes: 90 * MiB }], // 500 beyond its transfer
    });
    expect(e).toMatchObject({ bandwidthSource: 'probe', fixedSource: 'history' });
    expect(e.fixedMs).toBe(Math.round((500 + prior) / 2)); // with the probe's figure: the mean of both
    expect(e.predictedDurationMs).toBe(e.fixedMs + 100); // 90 MiB at 900 MiB/s
    const fresh = estimateMigration({ ...base, memoryBytes: 128 * MiB, rssBytes: 90 * MiB, link, measured: null });
    expect(fresh).toMatchObject({ fixedSource: 'probe', fixedMs: prior, predictedDurationMs: prior + 100 });
  });
});

describe('fixed costs', () => {
  const runs = [
    { durationMs: 600, bytes: 90 * MiB }, // 100 ms of transfer at 900 MiB/s: 500 fixed
    { durationMs: 2000, bytes: 90 * MiB }, // one slow hand-over does not move the median
    { durationMs: 700, bytes: 180 * MiB },
  ];

  it('the median of what past runs took beyond their transfer, and the probe-based figure as one more sample', () => {
    expect(fixedFromHistory(runs, 900 * MiB)).toMatchObject({
      ms: 500,
      source: 'history',
      note: expect.stringMatching(/median over the last 3 migrations/),
    });
    expect(fixedFromHistory([], 900 * MiB)).toBeNull();
    expect(fixedFromHistory(runs.slice(0, 2), 900 * MiB)?.ms).toBe(1200); // two runs: the mean of both
    const probe = fixedPrior('shared', 120);
    expect(fixedFromHistory(runs.slice(0, 2), 900 * MiB, probe)).toMatchObject({
      ms: 500, // median of 500, 1900 and the probe's figure (< 500)
      note: expect.stringMatching(/and the link probe's figure/),
    });
    // an assumed figure (no probe) is no sample
    expect(fixedFromHistory(runs.slice(0, 2), 900 * MiB, fixedPrior('shared', null))?.ms).toBe(1200);
  });

  it('before any history: the probed QEMU start and the measured parts; storage adds the mirror set-up', () => {
    const shared = fixedPrior('shared', 120);
    expect(shared).toMatchObject({ source: 'probe', note: expect.stringMatching(/link probe measured it \(120 ms\)/) });
    expect(shared.ms).toBeGreaterThan(120 + COMPLETION_POLLING_MS);
    expect(fixedPrior('storage', 120).ms).toBeGreaterThan(shared.ms);
    expect(fixedPrior('shared', null)).toMatchObject({ source: 'default', ms: shared.ms - 120 + 300 });
  });

  it('median: the middle sample, or the mean of the middle two (the link probe takes three)', () => {
    expect(median([277, 70, 143])).toBe(143);
    expect(median([1149, 125, 220])).toBe(220);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
