import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { db } from '@/lib/db/client';
import { clearTables, seedHost } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import type { MetricPoint } from './dto';
import { clusterSeries, hostSeries, vmSeries } from './queries';
import { isSqlite } from '@/lib/db/sql-runner';
import { withPgLock } from '@/lib/db/pg-direct';
import { METRIC_KEEP_MS, RESOLUTION, rollupMetrics, rollupMetricsOnce } from './rollup';
import { bucketize, combineHosts, type RawSample } from './series';

// The database's rollups and series against the definitions computed here in JS (series.ts is the
// old in-Node computation): the same values on SQLite and on PostgreSQL.
const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const MIN = 60_000;
const HOUR = 3_600_000;

type Sample = {
  at: Date;
  hostId: string;
  vmId: string | null;
  cpuPct: number;
  memUsedBytes: bigint;
  memTotalBytes: bigint;
  load1: number;
  diskRdBytes: bigint;
  diskWrBytes: bigint;
};

// Every 5 s over [start, start + minutes); a VM's counters restart once (a reboot) at k = 100.
function samplesOf(hostId: string, vmId: string | null, start: number, minutes: number, seed: number): Sample[] {
  return Array.from({ length: minutes * 12 }, (_, k) => ({
    at: new Date(start + k * 5000 + seed * 7),
    hostId,
    vmId,
    cpuPct: ((k * 7 + seed) % 13) * 5.5,
    memUsedBytes: BigInt(1_000_000 + ((k * 31 + seed) % 97) * 1000),
    memTotalBytes: BigInt(8_000_000 + k + seed),
    load1: ((k + seed) % 9) / 4,
    diskRdBytes: vmId ? BigInt((k < 100 ? k : k - 100) * 4096 * (seed + 1)) : 0n,
    diskWrBytes: vmId ? BigInt((k < 100 ? k : k - 100) * 1000 * ((k % 3) + 1)) : 0n,
  }));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

// The rollup's definition: means of CPU, memory (rounded to a byte) and load, the newest counters.
function expectedRollups(rows: Sample[], unit: number, resolution: number) {
  const groups = new Map<string, Sample[]>();
  for (const r of [...rows].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const key = `${r.hostId}|${r.vmId ?? ''}|${Math.floor(r.at.getTime() / unit) * unit}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups].map(([key, g]) => {
    const [hostId, vmId, bucket] = key.split('|');
    const last = g[g.length - 1];
    return {
      resolution,
      bucket: new Date(Number(bucket)),
      hostId,
      vmId,
      cpuPct: mean(g.map((r) => r.cpuPct)),
      memUsedBytes: BigInt(Math.round(mean(g.map((r) => Number(r.memUsedBytes))))),
      memTotalBytes: last.memTotalBytes,
      load1: mean(g.map((r) => r.load1)),
      diskRdBytes: last.diskRdBytes,
      diskWrBytes: last.diskWrBytes,
    };
  });
}

const stored = async (resolution: number) =>
  (
    await db().metricRollup.findMany({
      where: { resolution },
      orderBy: [{ hostId: 'asc' }, { vmId: 'asc' }, { bucket: 'asc' }],
      omit: { id: true },
    })
  ).map((r) => ({ ...r }));
const sortRows = <T extends { hostId: string; vmId: string; bucket: Date }>(rows: T[]) =>
  rows.sort((a, b) => a.hostId.localeCompare(b.hostId) || a.vmId.localeCompare(b.vmId) || +a.bucket - +b.bucket);

// Rollup rows: keys, times and counters exactly, means up to float rounding (SQL's AVG may sum in
// another order than a JS loop).
function expectSameRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[]) {
  const exact = (rows: Record<string, unknown>[]) =>
    rows.map((r) =>
      Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v !== 'number' || Number.isInteger(v))),
    );
  expect(exact(actual)).toEqual(exact(expected));
  actual.forEach((r, i) => {
    for (const k of ['cpuPct', 'load1']) expect(r[k]).toBeCloseTo(expected[i][k] as number, 9);
  });
}

// The same points up to float rounding (SQL AVG and a JS mean may differ in the last bit).
function expectSamePoints(actual: MetricPoint[], expected: MetricPoint[]) {
  expect(actual.map((p) => [p.t, Object.keys(p).sort()])).toEqual(expected.map((p) => [p.t, Object.keys(p).sort()]));
  actual.forEach((p, i) => {
    for (const [k, v] of Object.entries(expected[i])) expect(p[k as keyof MetricPoint]).toBeCloseTo(v as number, 6);
  });
}

describe('rollupMetrics', () => {
  const B = Date.UTC(2026, 10, 2, 8, 0, 0); // an hour's start
  const NOW = B + 130 * MIN + 20_000;
  const raw = [
    ...samplesOf('h1', null, B, 130, 0),
    ...samplesOf('h1', 'v1', B, 130, 1),
    ...samplesOf('h2', null, B + 10 * MIN, 120, 2),
    ...samplesOf('h2', 'v2', B + 10 * MIN, 50, 3), // stopped after 50 min
  ];

  it('folds minutes and hours in the database, bounded per run, idempotent, and prunes each tier', async () => {
    await db().metricSample.createMany({ data: raw });

    await rollupMetrics(NOW);
    // One run folds at most an hour of raw samples: the rest comes with the next runs.
    expect((await stored(RESOLUTION.minute)).at(-1)?.bucket.getTime()).toBeLessThan(B + 61 * MIN);
    await rollupMetrics(NOW);
    await rollupMetrics(NOW);

    const minutes = sortRows(expectedRollups(raw, MIN, RESOLUTION.minute));
    expect(minutes).toHaveLength(130 + 130 + 120 + 50);
    expectSameRows(await stored(RESOLUTION.minute), minutes);
    // Hours fold the minute rows; the hour still under way (10:00) waits until it is over.
    const hourSource = minutes.map((m) => ({ ...m, at: m.bucket, vmId: m.vmId || null }));
    const hours = sortRows(expectedRollups(hourSource, HOUR, RESOLUTION.hour).filter((h) => +h.bucket < B + 2 * HOUR));
    expect(hours.map((h) => [h.hostId, h.vmId, h.bucket.getTime() - B])).toEqual([
      ['h1', '', 0],
      ['h1', '', HOUR],
      ['h1', 'v1', 0],
      ['h1', 'v1', HOUR],
      ['h2', '', 0],
      ['h2', '', HOUR],
      ['h2', 'v2', 0],
    ]);
    expectSameRows(await stored(RESOLUTION.hour), hours);

    // Again with nothing new: the same rows. A late sample of the newest minute is folded in.
    const before = await db().metricRollup.findMany({ orderBy: { id: 'asc' } });
    await rollupMetrics(NOW);
    expect(await db().metricRollup.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
    const late = { ...raw[130 * 12 - 1], at: new Date(B + 129 * MIN + 59_000), cpuPct: 99 };
    await db().metricSample.create({ data: late });
    await rollupMetrics(NOW + 5000);
    const h1Last = (await stored(RESOLUTION.minute)).find(
      (r) => r.hostId === 'h1' && !r.vmId && +r.bucket === B + 129 * MIN,
    );
    const rawOfMinute = raw.filter((r) => r.hostId === 'h1' && !r.vmId && +r.at >= B + 129 * MIN);
    expect(h1Last?.cpuPct).toBe(mean([...rawOfMinute, late].map((r) => r.cpuPct)));

    // Retention: raw a day, minutes a week, hours a year.
    await rollupMetrics(B + METRIC_KEEP_MS.raw + 131 * MIN);
    expect(await db().metricSample.count()).toBe(0);
    expect((await stored(RESOLUTION.minute)).length).toBe(minutes.length);
    await rollupMetrics(B + METRIC_KEEP_MS.minute + HOUR);
    expect((await stored(RESOLUTION.minute)).map((m) => m.bucket.getTime() - B)).toEqual(
      minutes.filter((m) => +m.bucket >= B + HOUR).map((m) => m.bucket.getTime() - B),
    );
    expectSameRows(await stored(RESOLUTION.hour), hours);
    await rollupMetrics(B + METRIC_KEEP_MS.hour + 2 * HOUR);
    expect(await db().metricRollup.count()).toBe(0);
  });

  it('runs in one worker at a time on PostgreSQL: another holding the turn makes it skip', async () => {
    if (isSqlite()) {
      expect(await rollupMetricsOnce()).toBeTypeOf('number');
      return;
    }
    expect(await withPgLock('vmops:metric-rollup', () => rollupMetricsOnce())).toBeNull();
    expect(await rollupMetricsOnce()).toBeTypeOf('number');
  });
});

describe('series', () => {
  // Date only: the drivers' timers keep running. Points are aligned to NOW's own clock.
  const NOW = Math.floor(Date.now() / HOUR) * HOUR + 20 * MIN + 3_000;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(async () => {
    vi.useRealTimers();
    await clearTables('metricSample', 'metricRollup', 'vm', 'host');
  });

  const asRaw = (r: Sample): RawSample => ({
    t: r.at.getTime(),
    cpuPct: r.cpuPct,
    memUsedBytes: Number(r.memUsedBytes),
    ...(r.vmId
      ? { diskRdBytes: Number(r.diskRdBytes), diskWrBytes: Number(r.diskWrBytes) }
      : { memTotalBytes: Number(r.memTotalBytes), load1: r.load1 }),
  });

  it('aggregates in SQL what the in-Node computation gave, and the cluster in one query', async () => {
    const hosts = await Promise.all(['m1', 'm2', 'm3'].map((n) => seedHost(n)));
    const vm = await db().vm.create({
      data: {
        id: 'vm-1',
        name: 'v',
        hostId: hosts[0].id,
        state: 'running',
        vcpus: 1,
        memoryMiB: 512,
        diskSizeBytes: 1n << 30n,
        pool: 'p',
        tags: '[]',
      },
    });
    const start = NOW - 100 * MIN;
    const raw = [
      ...samplesOf(hosts[0].id, null, start, 100, 0),
      ...samplesOf(hosts[1].id, null, start, 100, 1),
      // The third host reports every other sample only, for the last 40 minutes.
      ...samplesOf(hosts[2].id, null, NOW - 40 * MIN, 40, 2).filter((_, k) => k % 2 === 0),
      // The VM migrated from the first host to the second 10 minutes ago: one series.
      ...samplesOf(hosts[0].id, vm.id, start, 90, 3),
      ...samplesOf(hosts[1].id, vm.id, NOW - 10 * MIN, 10, 3),
    ];
    await db().metricSample.createMany({ data: raw });
    for (let i = 0; i < 3; i++) await rollupMetrics(NOW);

    const since = (s: number) => (r: { t: number }) => r.t >= NOW - s * 1000;
    const host = (id: string) => raw.filter((r) => r.hostId === id && !r.vmId).map(asRaw);
    for (const [range, secs, step] of [
      ['15m', 900, 10],
      ['1h', 3600, 30],
    ] as const) {
      const expected = hosts.map((h) => bucketize(host(h.id).filter(since(secs)), step));
      for (const [i, h] of hosts.entries()) expectSamePoints((await hostSeries(h.id, range)).points, expected[i]);
      const vmRaw = raw.filter((r) => r.vmId === vm.id).map(asRaw);
      const vmPts = (await vmSeries(vm.id, range)).points;
      expectSamePoints(vmPts, bucketize(vmRaw.filter(since(secs)), step));
      expect(vmPts.length).toBe(secs / step);
      expect(vmPts.filter((p) => p.diskWrBps! > 0).length).toBeGreaterThan(secs / step / 2);
      if (range === '15m') expectSamePoints((await clusterSeries(range)).points, combineHosts(expected));
    }
    // From rollups on: the cluster equals the per-host series combined.
    for (const range of ['24h', '7d', '30d'] as const) {
      const perHost = await Promise.all(hosts.map(async (h) => (await hostSeries(h.id, range)).points));
      expect(perHost[0].length).toBeGreaterThan(0);
      expectSamePoints((await clusterSeries(range)).points, combineHosts(perHost));
    }
    // The cluster's hour: the minute rollups of each host, a point a minute.
    const minuteRows = await db().metricRollup.findMany({
      where: { resolution: RESOLUTION.minute, vmId: '', bucket: { gte: new Date(NOW - HOUR) } },
      orderBy: { bucket: 'asc' },
    });
    const perHostMinutes = hosts.map((h) =>
      bucketize(
        minuteRows.filter((r) => r.hostId === h.id).map((r) => asRaw({ ...r, at: r.bucket, vmId: null })),
        60,
      ),
    );
    const hour = await clusterSeries('1h');
    expect(hour.stepSec).toBe(60);
    expect(hour.points).toHaveLength(59); // the minute under way is not folded yet
    expectSamePoints(hour.points, combineHosts(perHostMinutes));
  });
});
