import Link from 'next/link';
import { StateBadge } from '@/components/ui/badge';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { AcceleratorBadge, DriverBadge, SiteBadge } from './host-labels';
import { MaintenanceBadge } from './maintenance-badge';
import { UsageMeter } from './usage-meter';

export function HostCard({ host }: { host: HostDto }) {
  const offline = host.status !== 'online';
  return (
    <Link
      href={`/hosts/${host.id}`}
      data-testid="host-card"
      data-host-id={host.id}
      data-site={host.site}
      className="group block rounded-lg border border-slate-200 bg-white p-4 shadow-xs transition hover:border-accent-300 hover:shadow-sm"
    >
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="truncate text-sm font-semibold text-slate-900 group-hover:text-accent-700">{host.name}</h3>
          <p className="truncate text-xs text-slate-500" title={host.cpuModel}>
            {host.cpuCount} CPUs · {host.cpuModel || 'unknown CPU'}
          </p>
        </div>
        <StateBadge state={host.status} />
      </div>
      <div className="mt-2 flex gap-1.5">
        <MaintenanceBadge host={host} />
        <AcceleratorBadge host={host} />
        <DriverBadge driver={host.driver} />
        <SiteBadge site={host.site} />
      </div>
      <div className={offline ? 'mt-3 space-y-2.5 grayscale' : 'mt-3 space-y-2.5'}>
        <UsageMeter label="CPU" used={host.cpuPct} total={100} unit="percent" />
        <UsageMeter label="Memory" used={host.memoryUsedBytes} total={host.memoryTotalBytes} />
      </div>
      <p className="mt-3 border-t border-slate-100 pt-2.5 text-xs text-slate-600 tabular-nums">
        <span className="font-semibold text-slate-900">{host.runningVmCount}</span> of {host.vmCount} VMs running
      </p>
    </Link>
  );
}
