import { Card, CardHeader } from '@/components/ui/card';
import type { VmDto } from '@/lib/domain/vms/dto';
import { formatBytes, formatDateTime, formatMiB } from '@/lib/format';
import { VmTags } from './vm-tags';

export function VmDetailsPanel({ vm }: { vm: VmDto }) {
  const rows: [string, React.ReactNode][] = [
    ['vCPUs', vm.vcpus],
    ['Memory', formatMiB(vm.memoryMiB)],
    ['Disk size', formatBytes(vm.diskSizeBytes)],
    ['Disk path', <span key="p" className="font-mono text-xs break-all">{vm.diskPath || '—'}</span>],
    ['Storage pool', vm.pool],
    ['High availability', vm.haEnabled ? 'On — restarted on another host if its host fails' : 'Off'],
    ['Tags', <VmTags key="t" tags={vm.tags} />],
    ['Guest ready', vm.guestReady ? 'Yes' : 'Not yet'],
    ['Memory in use (RSS)', vm.state === 'running' ? formatBytes(vm.rssBytes) : '—'],
    ['Created', formatDateTime(vm.createdAt)],
    ['ID', <span key="id" className="font-mono text-xs">{vm.id}</span>],
  ];
  return (
    <Card>
      <CardHeader title="Details" />
      <dl className="divide-y divide-slate-100 text-sm">
        {rows.map(([k, v]) => (
          <div key={k} className="grid grid-cols-[9.5rem_1fr] gap-3 px-4 py-2">
            <dt className="text-slate-500">{k}</dt>
            <dd className="min-w-0 text-slate-800 tabular-nums">{v}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
