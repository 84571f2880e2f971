// Mutable working state of one planning pass: per-host usage in typed arrays, incremental
// imbalance sums, heaps of most/least pressured hosts, and compiled rules. Built in O(hosts+VMs);
// each applied move costs O(log hosts).
import { IndexedHeap } from './heap';
import { CPU_WEIGHT, LoadSums, MEM_WEIGHT, type Load } from './imbalance';
import type { HostLoad, PlanInput } from './plan-types';
import { compileRules, moveGroups, violates, type CompiledRules } from './rules';

export class PlanState {
  readonly n: number;
  readonly eligible: Uint8Array;
  readonly cpuUsed: Float64Array;
  readonly memUsed: Float64Array;
  readonly pressure: Float64Array; // max(cpu/threshold, mem/threshold): > 1 is overloaded
  readonly invCpu: Float64Array; // 1 / capacity: loads are fractions of it
  readonly invMem: Float64Array;
  readonly cpuMax: Float64Array; // capacity up to the threshold
  readonly memMax: Float64Array;
  readonly vmHost: Int32Array;
  readonly vmCpu: Float64Array; // per VM, copied from the input for tight loops
  readonly vmMem: Float64Array;
  readonly vmCost: Float64Array;
  readonly movable: Uint8Array;
  readonly hostVms: number[][]; // movable VMs per host
  readonly vmPos: Int32Array;
  readonly sums = new LoadSums();
  readonly src: IndexedHeap;
  readonly dst: IndexedHeap;
  readonly rules: CompiledRules;
  violators: number[];

  constructor(readonly input: PlanInput) {
    const { hosts, vms, policy, now } = input;
    this.n = hosts.length;
    const hostIndex = new Map(hosts.map((h, i) => [h.id, i]));
    this.eligible = Uint8Array.from(hosts, (h) =>
      h.online && !h.maintenance && h.cpuCapacity > 0 && h.memTotalBytes > 0 ? 1 : 0,
    );
    this.cpuUsed = new Float64Array(this.n);
    this.memUsed = new Float64Array(this.n);
    this.pressure = new Float64Array(this.n);
    this.invCpu = Float64Array.from(hosts, (h) => 1 / h.cpuCapacity);
    this.invMem = Float64Array.from(hosts, (h) => 1 / h.memTotalBytes);
    this.cpuMax = Float64Array.from(hosts, (h) => (h.cpuCapacity * policy.cpuThresholdPct) / 100);
    this.memMax = Float64Array.from(hosts, (h) => (h.memTotalBytes * Math.min(100, policy.memThresholdPct)) / 100);
    this.vmHost = Int32Array.from(vms, (v) => hostIndex.get(v.hostId) ?? -1);
    this.vmCpu = Float64Array.from(vms, (v) => v.cpuDemand);
    this.vmMem = Float64Array.from(vms, (v) => v.memBytes);
    this.vmCost = Float64Array.from(vms, (v) => v.migrationCost);
    const excluded = new Set(policy.excludedVmIds);
    const cooldownMs = policy.cooldownMin * 60_000;
    this.movable = Uint8Array.from(vms, (v, i) => {
      const h = this.vmHost[i];
      const cooling = v.lastMigratedAt !== null && now - v.lastMigratedAt < cooldownMs;
      return h >= 0 && this.eligible[h] && !excluded.has(v.id) && !cooling ? 1 : 0;
    });
    this.hostVms = hosts.map(() => []);
    this.vmPos = new Int32Array(vms.length).fill(-1);
    vms.forEach((v, i) => {
      const h = this.vmHost[i];
      if (h < 0) return;
      this.cpuUsed[h] += v.cpuDemand;
      this.memUsed[h] += v.memBytes;
      if (this.movable[i]) this.vmPos[i] = this.hostVms[h].push(i) - 1;
    });
    this.rules = compileRules(
      input.rules,
      vms.map((v, i) => ({ tags: v.tags, host: this.vmHost[i] })),
      hostIndex,
      this.n,
    );
    this.violators = vms.flatMap((_, i) => (this.movable[i] && violates(this.rules, i, this.vmHost[i]) ? [i] : []));
    this.src = new IndexedHeap(this.n, this.pressure, true);
    this.dst = new IndexedHeap(this.n, this.pressure, false);
    for (let h = 0; h < this.n; h++) {
      if (!this.eligible[h]) continue;
      const l = this.load(h);
      this.sums.add(l.cpu, l.mem);
      this.pressure[h] = this.pressureOf(h);
      if (this.hostVms[h].length) this.src.push(h);
      this.dst.push(h);
    }
  }

  load(h: number, dCpu = 0, dMem = 0): Load {
    const host = this.input.hosts[h];
    return { cpu: (this.cpuUsed[h] + dCpu) / host.cpuCapacity, mem: (this.memUsed[h] + dMem) / host.memTotalBytes };
  }

  overloaded(h: number): boolean {
    return this.pressure[h] > 1;
  }

  fits(vm: number, to: number): boolean {
    return this.cpuUsed[to] + this.vmCpu[vm] <= this.cpuMax[to] && this.memUsed[to] + this.vmMem[vm] <= this.memMax[to];
  }

  apply(vm: number, to: number): void {
    const v = this.input.vms[vm];
    const from = this.vmHost[vm];
    for (const [h, sign] of [
      [from, -1],
      [to, 1],
    ] as const) {
      const old = this.load(h);
      this.sums.add(old.cpu, old.mem, -1);
      this.cpuUsed[h] += sign * v.cpuDemand;
      this.memUsed[h] += sign * v.memBytes;
      const now = this.load(h);
      this.sums.add(now.cpu, now.mem, 1);
      this.pressure[h] = this.pressureOf(h);
      this.src.update(h);
      this.dst.update(h);
    }
    moveGroups(this.rules, vm, from, to);
    this.vmHost[vm] = to;
    // A VM migrates at most once per plan: drop it from its host's movable list.
    this.movable[vm] = 0;
    const list = this.hostVms[from];
    const last = list.pop()!;
    if (last !== vm) {
      list[this.vmPos[vm]] = last;
      this.vmPos[last] = this.vmPos[vm];
    }
    if (!list.length) this.src.remove(from);
    // A host the planner gave up on as a source counts again once its load rises.
    if (!this.src.has(to) && this.hostVms[to].length) this.src.push(to);
  }

  hostLoads(): HostLoad[] {
    return this.input.hosts.map((h, i) => {
      const l = this.load(i);
      return {
        hostId: h.id,
        cpuPct: pct(l.cpu),
        memPct: pct(l.mem),
        load: round(CPU_WEIGHT * l.cpu + MEM_WEIGHT * l.mem),
      };
    });
  }

  private pressureOf(h: number): number {
    return Math.max(this.cpuUsed[h] / this.cpuMax[h], this.memUsed[h] / this.memMax[h]);
  }
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : 0);
const pct = (x: number) => (Number.isFinite(x) ? Math.round(x * 10_000) / 100 : 0);
