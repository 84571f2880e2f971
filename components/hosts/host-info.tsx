import { Card } from '@/components/ui/card';
import { Stat } from '@/components/ui/stat';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { formatBytes, formatPercent } from '@/lib/format';
import { AcceleratorBadge } from './host-labels';
import { UsageMeter } from './usage-meter';

export function HostInfo({ host }: { host: HostDto }) {
  return (
    <Card className="p-4">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-4">
        <Stat label="Agent version" value={<span className="font-mono text-sm">{host.agentVersion}</span>} />
        <Stat label="QEMU version" value={<span className="font-mono text-sm">{host.qemuVersion ?? '—'}</span>}
          hint={host.driver === 'simulated' ? 'simulated driver' : undefined} />
        <Stat label="Accelerator" value={<AcceleratorBadge host={host} />} hint={<span title={host.acceleratorReason}>{host.acceleratorReason || '—'}</span>} />
        <Stat label="CPU" value={<span className="text-sm">{host.cpuCount} × {formatPercent(host.cpuPct)} busy</span>} hint={host.cpuModel} />
        <div className="col-span-2">
          <dt className="sr-only">Memory</dt>
          <dd><UsageMeter label="Memory" used={host.memoryUsedBytes} total={host.memoryTotalBytes} /></dd>
        </div>
        <Stat label="VMs" value={`${host.runningVmCount} running / ${host.vmCount}`} />
        <Stat label="Free memory" value={formatBytes(Math.max(0, host.memoryTotalBytes - host.memoryUsedBytes))} />
      </dl>
    </Card>
  );
}
