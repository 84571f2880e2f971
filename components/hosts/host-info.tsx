import { Card } from '@/components/ui/card';
import { Stat } from '@/components/ui/stat';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { AcceleratorBadge } from './host-labels';
import { UsageMeter } from './usage-meter';

export function HostInfo({ host }: { host: HostDto }) {
  return (
    <Card className="p-4">
      <dl className="grid grid-cols-4 gap-x-6 gap-y-4">
        <Stat label="Agent version" value={<span className="font-mono text-sm">{host.agentVersion}</span>} />
        <Stat
          label="QEMU version"
          value={<span className="font-mono text-sm">{host.qemuVersion ?? '—'}</span>}
          hint={host.driver === 'simulated' ? 'simulated driver' : undefined}
        />
        <div className="min-w-0">
          <dt className="text-xs font-medium text-slate-500">Accelerator</dt>
          <dd className="mt-1">
            <AcceleratorBadge host={host} />
          </dd>
          {host.acceleratorReason && (
            <dd className="mt-1 line-clamp-2 text-xs text-slate-500" title={host.acceleratorReason}>
              {host.acceleratorReason}
            </dd>
          )}
        </div>
        <Stat
          label="CPU"
          value={<span className="text-sm">{host.cpuCount} CPUs</span>}
          hint={<span title={host.cpuModel}>{host.cpuModel || '—'}</span>}
        />
        <div className="col-span-2">
          <dt className="sr-only">CPU usage</dt>
          <dd>
            <UsageMeter label="CPU usage" used={host.cpuPct} total={100} unit="percent" />
          </dd>
        </div>
        <div className="col-span-2">
          <dt className="sr-only">Memory</dt>
          <dd>
            <UsageMeter label="Memory" used={host.memoryUsedBytes} total={host.memoryTotalBytes} />
          </dd>
        </div>
      </dl>
    </Card>
  );
}
