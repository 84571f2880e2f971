// Which VMs a job covers, resolved at each run: listed ids that still exist plus every VM carrying
// one of the tags (so a VM tagged later is picked up and a deleted one simply drops out).
import type { VmSelector } from './dto';

export type SelectableVm = { id: string; name: string; tags: string[] };

export function matchVms<V extends SelectableVm>(selector: VmSelector, vms: V[]): V[] {
  const ids = new Set(selector.vmIds);
  return vms.filter((v) => ids.has(v.id) || v.tags.some((t) => selector.tags.includes(t)));
}

export function missingVmIds(selector: VmSelector, vms: SelectableVm[]): string[] {
  const present = new Set(vms.map((v) => v.id));
  return selector.vmIds.filter((id) => !present.has(id));
}

export function parseSelector(json: string): VmSelector {
  const s = JSON.parse(json) as Partial<VmSelector>;
  return { vmIds: s.vmIds ?? [], tags: s.tags ?? [] };
}
