import { Badge } from '@/components/ui/badge';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { formatDateTime } from '@/lib/format';

/** Amber "Maintenance" next to a host's status while it takes no new VMs. */
export function MaintenanceBadge({ host }: { host: Pick<HostDto, 'maintenance' | 'maintenanceSince'> }) {
  if (!host.maintenance) return null;
  return (
    <Badge
      tone="amber"
      dot
      data-testid="maintenance-badge"
      title={`In maintenance since ${formatDateTime(host.maintenanceSince)}: new VMs avoid this host`}
    >
      Maintenance
    </Badge>
  );
}
