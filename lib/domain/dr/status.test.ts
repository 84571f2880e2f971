import { describe, expect, it } from 'vitest';
import { drStatus, lagSeries, type StatusInput } from './status';

const t = (s: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, 0) + s * 1000);
const base: StatusInput = {
  enabled: true,
  state: 'active',
  lastFinishedRun: { status: 'succeeded', error: null },
  newestTakenAt: t(0),
  rpoTargetSec: 120,
};

describe('drStatus', () => {
  it('is ok within the target and late beyond it, with the RPO in seconds', () => {
    expect(drStatus(base, t(120))).toMatchObject({ status: 'ok', rpoSec: 120 });
    const late = drStatus(base, t(121));
    expect(late).toMatchObject({ status: 'late', rpoSec: 121 });
    expect(late.reason).toBe('The newest point is 2m 01s old; the target is 2m 00s');
  });

  it('says never before the first point, failed after a failed run (with its error)', () => {
    expect(drStatus({ ...base, newestTakenAt: null, lastFinishedRun: null }, t(5))).toMatchObject({
      status: 'never',
      rpoSec: null,
    });
    const failed = drStatus({ ...base, lastFinishedRun: { status: 'failed', error: 'agent gone' } }, t(10));
    expect(failed).toMatchObject({ status: 'failed', rpoSec: 10 });
    expect(failed.reason).toContain('agent gone');
  });

  it('puts failed-over before paused before failed', () => {
    const failedRun = { status: 'failed', error: 'x' };
    expect(drStatus({ ...base, state: 'failed-over', enabled: false, lastFinishedRun: failedRun }, t(1)).status).toBe(
      'failed-over',
    );
    expect(drStatus({ ...base, enabled: false, lastFinishedRun: failedRun }, t(1)).status).toBe('paused');
  });
});

describe('lagSeries', () => {
  it('draws the sawtooth: before/after samples at each finish, then now', () => {
    const runs = [
      { finishedAt: t(70), takenAt: t(60) },
      { finishedAt: t(10), takenAt: t(0) },
    ];
    expect(lagSeries(runs, t(0), t(100))).toEqual([
      { at: t(10).toISOString(), rpoSec: 10 },
      { at: t(70).toISOString(), rpoSec: 70 },
      { at: t(70).toISOString(), rpoSec: 10 },
      { at: t(100).toISOString(), rpoSec: 40 },
    ]);
  });

  it('starts at the window with the point of a run before it, and is empty with no run', () => {
    const runs = [
      { finishedAt: t(10), takenAt: t(0) },
      { finishedAt: t(130), takenAt: t(120) },
    ];
    expect(lagSeries(runs, t(100), t(140))).toEqual([
      { at: t(100).toISOString(), rpoSec: 100 },
      { at: t(130).toISOString(), rpoSec: 130 },
      { at: t(130).toISOString(), rpoSec: 10 },
      { at: t(140).toISOString(), rpoSec: 20 },
    ]);
    expect(lagSeries([{ finishedAt: t(10), takenAt: t(0) }], t(100), t(140))).toEqual([
      { at: t(100).toISOString(), rpoSec: 100 },
      { at: t(140).toISOString(), rpoSec: 140 },
    ]);
    expect(lagSeries([], t(0), t(10))).toEqual([]);
  });
});
