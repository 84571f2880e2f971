import { describe, expect, it } from 'vitest';
import type { RuleDto } from './dto';
import { planViolations } from './plan-check';
import { applied, cluster, GiB, host, NOW, placement, vm } from './planner-fixtures';
import { planBalance } from './planner';
import { simulatedFleet } from './simulated-fleet';

describe('planBalance', () => {
  it('moves load off a hot host, and the gains add up to the imbalance reduction', () => {
    const input = cluster(
      [host('h1'), host('h2')],
      [vm('a', 'h1', 1.5), vm('b', 'h1', 1.5), vm('c', 'h1', 0.5), vm('d', 'h2', 0.2)],
    );
    const plan = planBalance(input);
    expect(plan.moves.length).toBeGreaterThan(0);
    expect(plan.moves.every((m) => m.from === 'h1' && m.to === 'h2')).toBe(true);
    expect(plan.imbalanceAfter).toBeLessThan(plan.imbalanceBefore);
    expect(plan.moves.reduce((s, m) => s + m.gain, 0)).toBeCloseTo(plan.imbalanceBefore - plan.imbalanceAfter, 9);
    expect(plan.before.find((l) => l.hostId === 'h1')!.cpuPct).toBe(87.5);
    expect(planViolations(input, plan)).toEqual([]);
  });

  // h1 is overloaded (100 % CPU); h2 cannot take a 2-core VM without passing 80 %.
  const hot = [vm('a', 'h1', 2), vm('b', 'h1', 2), vm('c', 'h2', 2)];
  it.each([
    { name: 'the only spare host is in maintenance', h3: host('h3', { maintenance: true }), moves: 0 },
    { name: 'the only spare host is offline', h3: host('h3', { online: false }), moves: 0 },
    { name: 'the spare host would pass the CPU threshold', h3: host('h3', { cpuCapacity: 2 }), moves: 0 },
    { name: 'the spare host would pass the memory threshold', h3: host('h3', { memTotalBytes: 1 * GiB }), moves: 0 },
    { name: 'the spare host fits', h3: host('h3'), moves: 1 },
  ])('capacity: $name -> $moves move(s)', ({ h3, moves }) => {
    const input = cluster([host('h1'), host('h2'), h3], hot);
    const plan = planBalance(input);
    expect(plan.moves).toHaveLength(moves);
    if (moves) expect(plan.moves[0]).toMatchObject({ from: 'h1', to: 'h3' });
    expect(planViolations(input, plan)).toEqual([]);
  });

  it('never puts two anti-affine VMs on one host, and separates two that share one', () => {
    const rules: RuleDto[] = [{ id: 'r1', kind: 'vm-vm-anti-affinity', name: 'spread web', tag: 'web' }];
    const web = { tags: ['web'] };
    const input = cluster(
      [host('h1'), host('h2'), host('h3')],
      [vm('web1', 'h1', 2.5, web), vm('web2', 'h1', 0.2, web), vm('web3', 'h2', 0.1, web), vm('x', 'h3', 1.2)],
      { rules },
    );
    const plan = planBalance(input);
    const after = placement(input, plan);
    const webHosts = ['web1', 'web2', 'web3'].map((id) => after.get(id));
    expect(new Set(webHosts).size).toBe(3);
    expect(planViolations(input, plan)).toEqual([]);
  });

  it('keeps a VM on its must-hosts even when its host is overloaded, and moves one that is off them', () => {
    const rules: RuleDto[] = [
      { id: 'r1', kind: 'vm-host-affinity', name: 'db on h1', tag: 'db', hostIds: ['h1'], strength: 'must' },
      { id: 'r2', kind: 'vm-host-affinity', name: 'app on h3', tag: 'app', hostIds: ['h3'], strength: 'must' },
    ];
    const input = cluster(
      [host('h1'), host('h2'), host('h3')],
      [vm('db', 'h1', 3.6, { tags: ['db'] }), vm('app', 'h2', 0.1, { tags: ['app'] }), vm('other', 'h3', 1)],
      { rules },
    );
    const after = placement(input, planBalance(input));
    expect(after.get('db')).toBe('h1');
    expect(after.get('app')).toBe('h3');
  });

  it('moves a VM onto its should-hosts and never off them', () => {
    const rules: RuleDto[] = [
      { id: 'r1', kind: 'vm-host-affinity', name: 'near storage', tag: 'io', hostIds: ['h1'], strength: 'should' },
    ];
    const input = cluster(
      [host('h1'), host('h2'), host('h3')],
      [vm('io1', 'h1', 3, { tags: ['io'] }), vm('io2', 'h2', 0.2, { tags: ['io'] }), vm('z', 'h3', 0.1)],
      { rules, policy: { cpuThresholdPct: 100 } },
    );
    const after = placement(input, planBalance(input));
    expect(after.get('io1')).toBe('h1');
    expect(after.get('io2')).toBe('h1');
  });

  // a is the cheaper VM to move, so it goes unless it may not.
  it.each([
    { name: 'a movable', a: {}, policy: {}, moved: 'a' },
    { name: 'a excluded', a: {}, policy: { excludedVmIds: ['a'] }, moved: 'b' },
    { name: 'a migrated 5 min ago (cooldown 30 min)', a: { lastMigratedAt: NOW - 5 * 60_000 }, policy: {}, moved: 'b' },
    { name: 'a migrated 31 min ago', a: { lastMigratedAt: NOW - 31 * 60_000 }, policy: {}, moved: 'a' },
  ])('exclusion and cooldown: $name -> $moved moves', ({ a, policy, moved }) => {
    const input = cluster(
      [host('h1'), host('h2')],
      [vm('a', 'h1', 2, { migrationCost: 1, ...a }), vm('b', 'h1', 2, { migrationCost: 50 })],
      { policy: { ...policy, maxMoves: 1 } },
    );
    const plan = planBalance(input);
    expect(plan.moves.map((m) => m.vmId)).toEqual([moved]);
    expect(planViolations(input, plan)).toEqual([]);
  });

  it('does not move a VM in cooldown even from an overloaded host', () => {
    const cooling = { lastMigratedAt: NOW - 60_000 };
    const input = cluster([host('h1'), host('h2')], [vm('a', 'h1', 2, cooling), vm('b', 'h1', 2, cooling)]);
    expect(planBalance(input).moves).toEqual([]);
  });

  it('hysteresis: a nearly balanced cluster gets no moves', () => {
    const input = cluster(
      [host('h1'), host('h2'), host('h3')],
      [vm('a', 'h1', 1), vm('b', 'h2', 1.1), vm('c', 'h3', 0.9)],
    );
    expect(planBalance(input).moves).toEqual([]);
  });

  it('hysteresis: planning again after applying a plan proposes nothing (no reverse move)', () => {
    const vms = Array.from({ length: 12 }, (_, i) =>
      vm(`v${i}`, i < 9 ? 'h1' : 'h2', 0.2 + (i % 4) * 0.15, { memBytes: (1 + (i % 3)) * GiB }),
    );
    const input = cluster([host('h1', { cpuCapacity: 8 }), host('h2'), host('h3')], vms, {
      policy: { cooldownMin: 0, maxMoves: 100 },
    });
    const first = planBalance(input);
    expect(first.moves.length).toBeGreaterThan(0);
    expect(planBalance(applied(input, first)).moves).toEqual([]);
  });

  it('hosts above a threshold are drained first, even when another move is cheaper', () => {
    const input = cluster(
      [host('h1'), host('h2'), host('h3'), host('h4')],
      [
        vm('big', 'h1', 2, { migrationCost: 100 }),
        vm('big2', 'h1', 1.4, { migrationCost: 100 }),
        vm('cheap', 'h2', 3, { migrationCost: 0 }),
      ],
      { policy: { maxMoves: 1 } },
    );
    // h1 is at 85 % CPU (threshold 80 %); h2 at 75 % would otherwise win on cost.
    expect(planBalance(input).moves.map((m) => m.from)).toEqual(['h1']);
  });

  it('stops at maxMoves and moves each VM at most once', () => {
    const input = cluster(
      [host('h1', { cpuCapacity: 16 }), host('h2'), host('h3')],
      Array.from({ length: 10 }, (_, i) => vm(`v${i}`, 'h1', 1)),
      { policy: { maxMoves: 3 } },
    );
    const plan = planBalance(input);
    expect(plan.moves).toHaveLength(3);
    expect(new Set(plan.moves.map((m) => m.vmId)).size).toBe(3);
  });

  it('produces a valid plan on a simulated fleet with rules, exclusions and cooldowns', () => {
    const input = simulatedFleet({ hosts: 200, vms: 3200, seed: 7, policy: { maxMoves: 400 } });
    const plan = planBalance(input);
    expect(plan.moves.length).toBeGreaterThan(50);
    expect(plan.imbalanceAfter).toBeLessThan(plan.imbalanceBefore);
    expect(planViolations(input, plan)).toEqual([]);
    const again = planBalance({ ...applied(input, plan), policy: { ...input.policy, cooldownMin: 0 } });
    const reverse = new Set(plan.moves.map((m) => `${m.vmId}:${m.to}->${m.from}`));
    expect(again.moves.filter((m) => reverse.has(`${m.vmId}:${m.from}->${m.to}`))).toEqual([]);
  });
});
