import { describe, expect, it } from 'vitest';
import { protectionOf } from './protection';

const H = 3600_000;
const now = new Date('2026-06-01T12:00:00Z');
const hourly = { enabled: true, intervalMs: H };
const daily = { enabled: true, intervalMs: 24 * H };
const before = (ms: number) => new Date(now.getTime() - ms);

describe('protectionOf', () => {
  it.each([
    { name: 'no job', jobs: [], point: null, run: null, status: 'unprotected', reason: /no backup job/ },
    {
      name: 'only disabled jobs',
      jobs: [{ ...hourly, enabled: false }],
      point: before(H),
      run: null,
      status: 'unprotected',
      reason: /disabled/,
    },
    {
      name: 'fresh point',
      jobs: [hourly],
      point: before(H),
      run: null,
      status: 'protected',
      reason: /60 min ago, schedule every 60 min/,
    },
    {
      name: 'within 1.5 intervals',
      jobs: [hourly],
      point: before(1.4 * H),
      run: null,
      status: 'protected',
      reason: /84 min/,
    },
    {
      name: 'beyond 1.5 intervals',
      jobs: [hourly],
      point: before(1.6 * H),
      run: null,
      status: 'late',
      reason: /2 h ago/,
    },
    {
      name: 'the shortest interval of several jobs counts',
      jobs: [daily, hourly],
      point: before(3 * H),
      run: null,
      status: 'late',
      reason: /3 h ago/,
    },
    { name: 'no point yet', jobs: [daily], point: null, run: null, status: 'late', reason: /no restore point yet/ },
    {
      name: 'failed last run wins over a fresh point',
      jobs: [hourly],
      point: before(10 * 60_000),
      run: { state: 'failed' as const, error: 'STORAGE_FULL', at: now },
      status: 'failed',
      reason: /STORAGE_FULL/,
    },
    {
      name: 'a succeeded last run and an old point is late',
      jobs: [daily],
      point: before(80 * H),
      run: { state: 'succeeded' as const, error: null, at: now },
      status: 'late',
      reason: /3 d ago/,
    },
  ])('$name -> $status', ({ jobs, point, run, status, reason }) => {
    const r = protectionOf({ jobs, lastPointAt: point, lastRun: run, now });
    expect(r.status).toBe(status);
    expect(r.reason).toMatch(reason);
  });
});
