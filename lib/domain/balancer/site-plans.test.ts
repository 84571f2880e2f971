import { describe, expect, it } from 'vitest';
import { cluster, host, vm } from './planner-fixtures';
import { planBalance } from './planner';
import { planBalanceBySite } from './site-plans';

const dr = (id: string) => host(id, { site: 'dr' });

describe('planBalanceBySite', () => {
  it("never moves a VM to another site's host, however empty, and balances each site", () => {
    const input = cluster(
      [host('m1'), host('m2'), dr('d1'), dr('d2')],
      [
        vm('a', 'm1', 1.5),
        vm('b', 'm1', 1.5),
        vm('c', 'm1', 0.5),
        vm('d', 'm2', 1.2),
        vm('x', 'd1', 1.5),
        vm('y', 'd1', 1.5),
        vm('z', 'd1', 0.5),
      ],
    );
    // Planned as one cluster, the hot main host would shed load onto the empty dr host.
    expect(planBalance(input).moves.some((m) => m.from === 'm1' && m.to.startsWith('d'))).toBe(true);
    const plan = planBalanceBySite(input);
    const site = (id: string) => (id.startsWith('d') ? 'dr' : 'main');
    expect(plan.moves.length).toBeGreaterThan(1);
    expect(plan.moves.every((m) => site(m.from) === site(m.to))).toBe(true);
    expect(new Set(plan.moves.map((m) => site(m.from)))).toEqual(new Set(['main', 'dr']));
    expect(plan.before.map((l) => l.hostId)).toEqual(['m1', 'm2', 'd1', 'd2']);
    expect(plan.after.map((l) => l.hostId)).toEqual(['m1', 'm2', 'd1', 'd2']);
    // The worst site's imbalance, before and after.
    const main = planBalance({ ...input, hosts: input.hosts.slice(0, 2), vms: input.vms.slice(0, 4) });
    const drOnly = planBalance({ ...input, hosts: input.hosts.slice(2), vms: input.vms.slice(4) });
    expect(plan.imbalanceBefore).toBe(Math.max(main.imbalanceBefore, drOnly.imbalanceBefore));
    expect(plan.imbalanceAfter).toBe(Math.max(main.imbalanceAfter, drOnly.imbalanceAfter));
  });

  it('shares the move budget across sites', () => {
    const input = cluster(
      [host('m1'), host('m2'), dr('d1'), dr('d2')],
      [vm('a', 'm1', 2), vm('b', 'm1', 2), vm('x', 'd1', 2), vm('y', 'd1', 2)],
      { policy: { maxMoves: 1 } },
    );
    expect(planBalanceBySite(input).moves).toEqual([expect.objectContaining({ from: 'd1', to: 'd2' })]);
  });

  it('is the plain planner for a single site', () => {
    const input = cluster([host('h1'), host('h2')], [vm('a', 'h1', 2), vm('b', 'h1', 2)]);
    expect(planBalanceBySite(input)).toEqual(planBalance(input));
  });
});
