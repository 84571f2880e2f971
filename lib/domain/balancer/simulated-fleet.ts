// A seeded simulated fleet for the planner: skewed load (a third of the hosts carry most VMs),
// mixed host sizes, a few hosts offline or in maintenance, excluded and cooling-down VMs, and
// tag rules. Used by the scale benchmark and the planner's unit tests.
import type { RuleDto } from './dto';
import type { PlanInput, PlanPolicy, PlanVm } from './plan-types';

const GiB = 1024 ** 3;

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type FleetOptions = { hosts: number; vms: number; seed: number; policy?: Partial<PlanPolicy> };

export function simulatedFleet(o: FleetOptions): PlanInput {
  const rnd = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const now = Date.UTC(2026, 0, 1);
  const hosts = Array.from({ length: o.hosts }, (_, i) => {
    const size = pick([1, 2, 3]);
    return {
      id: `h${i}`,
      site: 'main',
      cpuCapacity: 32 * size,
      memTotalBytes: 256 * size * GiB,
      maintenance: rnd() < 0.01,
      online: rnd() > 0.005,
    };
  });
  const free = hosts.map((h) => h.memTotalBytes * 0.98);
  const hot = Math.max(1, Math.floor(o.hosts / 3));
  const groups = Math.max(1, Math.floor(o.vms / 800));
  const vms: PlanVm[] = [];
  for (let i = 0; i < o.vms; i++) {
    const vcpus = pick([1, 2, 4, 8]);
    const memBytes = pick([2, 4, 8, 16, 32]) * GiB;
    // 70 % of VMs land on the first third of the hosts: real imbalance to fix.
    let h = rnd() < 0.7 ? Math.floor(rnd() * hot) : Math.floor(rnd() * o.hosts);
    for (let tries = 0; free[h] < memBytes && tries < 50; tries++) h = Math.floor(rnd() * o.hosts);
    if (free[h] < memBytes) continue;
    free[h] -= memBytes;
    const tags: string[] = [];
    if (i < groups * 4) tags.push(`spread-${i % groups}`);
    else if (i < groups * 6) tags.push(`pin-${i % groups}`);
    else if (i < groups * 8) tags.push(`prefer-${i % groups}`);
    const r = rnd();
    vms.push({
      id: `vm${i}`,
      hostId: hosts[h].id,
      tags,
      memBytes,
      cpuDemand: vcpus * (0.2 + 0.8 * rnd() * rnd()),
      lastMigratedAt: r < 0.02 ? now - 5 * 60_000 : r < 0.1 ? now - 5 * 3_600_000 : null,
      migrationCost: memBytes / (128 * 1024 ** 2) + rnd() * 5,
    });
  }
  const rules: RuleDto[] = [];
  for (let g = 0; g < groups; g++) {
    const span = (k: number) => Array.from({ length: 10 }, (_, j) => hosts[(g * 10 + j + k) % o.hosts].id);
    rules.push({ id: `s${g}`, kind: 'vm-vm-anti-affinity', name: `spread ${g}`, tag: `spread-${g}` });
    rules.push({
      id: `p${g}`,
      kind: 'vm-host-affinity',
      name: `pin ${g}`,
      tag: `pin-${g}`,
      hostIds: span(0),
      strength: 'must',
    });
    rules.push({
      id: `q${g}`,
      kind: 'vm-host-affinity',
      name: `prefer ${g}`,
      tag: `prefer-${g}`,
      hostIds: span(o.hosts >> 1),
      strength: 'should',
    });
  }
  const excludedVmIds = vms.filter((_, i) => i % 97 === 0).map((v) => v.id);
  const policy: PlanPolicy = {
    cpuThresholdPct: 80,
    memThresholdPct: 85,
    maxMoves: 1000,
    cooldownMin: 30,
    excludedVmIds,
    ...o.policy,
  };
  return { hosts, vms, rules, policy, now };
}
