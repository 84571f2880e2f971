import { describe, expect, it } from 'vitest';
import { scoreTargets } from './best-target';
import { imbalance } from './imbalance';
import { GiB, host, vm } from './planner-fixtures';

describe('scoreTargets', () => {
  it('ranks targets by the imbalance score after the move, not by free memory', () => {
    // big has the most room but its CPU is busy; idle is smaller and idle.
    const hosts = [host('src'), host('big', { memTotalBytes: 64 * GiB }), host('idle')];
    const vms = [vm('m', 'src', 2), vm('s1', 'src', 1), vm('b1', 'big', 3)];
    const scores = scoreTargets({ hosts, vms }, 'm', ['big', 'idle']);
    expect(scores.map((s) => s.hostId)).toEqual(['idle', 'big']);
    // The score is the balancer's: loads as fractions of each host, after the move.
    const after = imbalance([
      { cpu: 1 / 4, mem: 1 / 16 },
      { cpu: 3 / 4, mem: 1 / 64 },
      { cpu: 2 / 4, mem: 1 / 16 },
    ]);
    expect(scores[0].imbalance).toBeCloseTo(after, 9);
  });

  it('never offers the source or a host outside the score (offline, in maintenance)', () => {
    const hosts = [host('src'), host('off', { online: false }), host('maint', { maintenance: true }), host('ok')];
    const scores = scoreTargets({ hosts, vms: [vm('m', 'src', 1)] }, 'm', ['src', 'off', 'maint', 'ok', 'unknown']);
    expect(scores.map((s) => s.hostId)).toEqual(['ok']);
  });

  it('a source in maintenance is not in the score: only the target gains load', () => {
    const hosts = [host('src', { maintenance: true }), host('h1'), host('h2')];
    const vms = [vm('m', 'src', 2), vm('x', 'h1', 2)];
    const [best, worst] = scoreTargets({ hosts, vms }, 'm', ['h1', 'h2']);
    expect(best.hostId).toBe('h2');
    expect(best.imbalance).toBeCloseTo(0, 7); // 2 cores and 1 GiB on each
    expect(worst.imbalance).toBeGreaterThan(0.2);
  });
});
