// Tag-based placement rules: validation (conflicts are rejected with the reason) and the
// compiled form the planner checks per candidate move.
import type { RuleDto } from './dto';

export type RuleConflict = { index: number; message: string };
export type RuleContext = {
  vms: { id: string; name: string; tags: string[] }[];
  hosts: { id: string; name: string }[];
};

const intersect = (a: ReadonlySet<string>, b: readonly string[]) => new Set(b.filter((x) => a.has(x)));

// Conflicts among the rules alone; with a context (the cluster's VMs and hosts) also those that
// only the current tags reveal: a VM whose must-rules share no host, unknown hosts, and
// anti-affinity groups larger than the hosts allowed to hold them.
export function ruleConflicts(rules: readonly RuleDto[], ctx?: RuleContext): RuleConflict[] {
  const out: RuleConflict[] = [];
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    if (seen.has(r.id))
      out.push({ index: i, message: `Duplicate rule id "${r.id}" (also rule ${seen.get(r.id)! + 1})` });
    seen.set(r.id, i);
  });
  const must = rules
    .map((r, i) => ({ r, i }))
    .filter(
      (x): x is { r: Extract<RuleDto, { kind: 'vm-host-affinity' }>; i: number } =>
        x.r.kind === 'vm-host-affinity' && x.r.strength === 'must',
    );
  for (const a of must)
    for (const b of must)
      if (a.i < b.i && a.r.tag === b.r.tag && !intersect(new Set(a.r.hostIds), b.r.hostIds).size)
        out.push({
          index: b.i,
          message: `"${b.r.name}" and "${a.r.name}" both bind tag "${a.r.tag}" but allow no host in common`,
        });
  for (const { r, i } of rules.map((r, i) => ({ r, i })))
    if (r.kind === 'vm-vm-anti-affinity')
      for (const m of must)
        if (m.r.tag === r.tag && m.r.hostIds.length < 2)
          out.push({
            index: i,
            message: `"${r.name}" keeps VMs tagged "${r.tag}" apart, but "${m.r.name}" pins them all to ${m.r.hostIds.length} host`,
          });
  if (ctx) out.push(...contextConflicts(rules, ctx));
  return out;
}

function contextConflicts(rules: readonly RuleDto[], ctx: RuleContext): RuleConflict[] {
  const out: RuleConflict[] = [];
  const hostIds = new Set(ctx.hosts.map((h) => h.id));
  rules.forEach((r, i) => {
    if (r.kind !== 'vm-host-affinity') return;
    const unknown = r.hostIds.filter((h) => !hostIds.has(h));
    if (unknown.length) out.push({ index: i, message: `"${r.name}" names unknown host(s): ${unknown.join(', ')}` });
  });
  for (const vm of ctx.vms) {
    const allowed = mustHostsOf(rules, vm.tags);
    if (allowed && !allowed.size) {
      const i = rules.findIndex(
        (r) => r.kind === 'vm-host-affinity' && r.strength === 'must' && vm.tags.includes(r.tag),
      );
      out.push({ index: i, message: `VM ${vm.name} carries tags whose must-rules allow no host in common` });
    }
  }
  rules.forEach((r, i) => {
    if (r.kind !== 'vm-vm-anti-affinity') return;
    const group = ctx.vms.filter((v) => v.tags.includes(r.tag));
    const room = new Set<string>();
    for (const vm of group) for (const h of mustHostsOf(rules, vm.tags) ?? hostIds) room.add(h);
    if (group.length > room.size)
      out.push({
        index: i,
        message: `"${r.name}" needs ${group.length} distinct hosts for VMs tagged "${r.tag}" but only ${room.size} are allowed`,
      });
  });
  return out;
}

// Intersection of the must-rules that apply to these tags; null when none applies.
export function mustHostsOf(rules: readonly RuleDto[], tags: readonly string[]): Set<string> | null {
  return hostSetOf(rules, tags, 'must');
}

function hostSetOf(
  rules: readonly RuleDto[],
  tags: readonly string[],
  strength: 'must' | 'should',
): Set<string> | null {
  let set: Set<string> | null = null;
  for (const r of rules)
    if (r.kind === 'vm-host-affinity' && r.strength === strength && tags.includes(r.tag))
      set = set ? intersect(set, r.hostIds) : new Set(r.hostIds);
  return set;
}

// Per-VM compiled rules over host indices, and per-host counts of anti-affinity tags.
export type CompiledRules = {
  antiTags: (number[] | null)[]; // per VM: indices of its anti-affinity groups
  must: (Set<number> | null)[]; // per VM: host indices allowed
  should: (Set<number> | null)[]; // per VM: host indices preferred
  groupCount: Int32Array[]; // per anti-affinity group: VMs of the group per host
};

// vms[i].host: host index, -1 when the VM's host is not in the snapshot.
export function compileRules(
  rules: readonly RuleDto[],
  vms: readonly { tags: readonly string[]; host: number }[],
  hostIndex: ReadonlyMap<string, number>,
  hostCount: number,
): CompiledRules {
  const groups = [...new Set(rules.filter((r) => r.kind === 'vm-vm-anti-affinity').map((r) => r.tag))];
  const groupCount = groups.map(() => new Int32Array(hostCount));
  const toIdx = (s: Set<string> | null) =>
    s ? new Set([...s].map((h) => hostIndex.get(h)).filter((h): h is number => h !== undefined)) : null;
  const antiTags: (number[] | null)[] = [];
  const must: (Set<number> | null)[] = [];
  const should: (Set<number> | null)[] = [];
  const cache = new Map<string, [number[] | null, Set<number> | null, Set<number> | null]>();
  for (const vm of vms) {
    const key = vm.tags.join('\u0000');
    let c = cache.get(key);
    if (!c) {
      const g = groups.flatMap((t, gi) => (vm.tags.includes(t) ? [gi] : []));
      const sh = toIdx(hostSetOf(rules, vm.tags, 'should'));
      c = [g.length ? g : null, toIdx(mustHostsOf(rules, vm.tags)), sh && sh.size ? sh : null];
      cache.set(key, c);
    }
    antiTags.push(c[0]);
    must.push(c[1]);
    should.push(c[2]);
    if (vm.host >= 0) for (const gi of c[0] ?? []) groupCount[gi][vm.host]++;
  }
  return { antiTags, must, should, groupCount };
}

// Move check: -1 if the move would break a rule; otherwise what it repairs: 2 a must or
// anti-affinity violation, 1 a VM brought onto a preferred (should) host, 0 nothing. A number,
// not an object: this runs once per candidate move.
export function checkMove(c: CompiledRules, vm: number, from: number, to: number): -1 | 0 | 1 | 2 {
  const must = c.must[vm];
  if (must && !must.has(to)) return -1;
  const groups = c.antiTags[vm];
  let fixes: 0 | 1 | 2 = must && !must.has(from) ? 2 : 0;
  if (groups)
    for (const g of groups) {
      if (c.groupCount[g][to] > 0) return -1;
      if (c.groupCount[g][from] > 1) fixes = 2;
    }
  const should = c.should[vm];
  if (should && should.has(from) && !should.has(to)) return -1;
  if (!fixes && should && !should.has(from) && should.has(to)) fixes = 1;
  return fixes;
}

// Host indices a rule-breaking VM should go to (null: any host will do).
export function ruleHosts(c: CompiledRules, vm: number): Set<number> | null {
  return c.must[vm] ?? c.should[vm];
}

export function violates(c: CompiledRules, vm: number, host: number): boolean {
  if (c.must[vm] && !c.must[vm]!.has(host)) return true;
  if (c.should[vm] && !c.should[vm]!.has(host)) return true;
  return (c.antiTags[vm] ?? []).some((g) => c.groupCount[g][host] > 1);
}

export function moveGroups(c: CompiledRules, vm: number, from: number, to: number): void {
  for (const g of c.antiTags[vm] ?? []) {
    c.groupCount[g][from]--;
    c.groupCount[g][to]++;
  }
}
