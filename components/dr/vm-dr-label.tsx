import { Badge } from '@/components/ui/badge';
import type { VmDto } from '@/lib/domain/vms/dto';

type DrVm = Pick<VmDto, 'role' | 'replicaOfName' | 'drState'>;

/** What a VM is to disaster recovery, when it is anything but an ordinary VM (null otherwise). */
export function vmDrLabel(vm: DrVm): string | null {
  if (vm.role === 'replica') return `Replica of ${vm.replicaOfName ?? 'a deleted VM'} (start blocked)`;
  if (vm.role === 'dr-test') return 'DR test copy (isolated: no network device)';
  if (vm.drState === 'failed-over') return 'Failed over to its replica (start blocked)';
  return null;
}

/** The DR label: a badge on the VM page, a small line under the name in the VM list. */
export function VmDrLabel({ vm, line }: { vm: DrVm; line?: boolean }) {
  const label = vmDrLabel(vm);
  if (!label) return null;
  if (line)
    return (
      <span className="block truncate text-xs text-slate-600" title={label} data-testid="vm-dr-label">
        {label}
      </span>
    );
  return (
    <Badge tone={vm.role === 'dr-test' ? 'amber' : 'accent'} data-testid="vm-dr-label">
      {label}
    </Badge>
  );
}
