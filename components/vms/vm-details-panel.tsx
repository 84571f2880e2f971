import type { ReactNode } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { KeyValueList } from '@/components/ui/key-value-list';
import type { VmDto } from '@/lib/domain/vms/dto';
import { formatBytes, formatDateTime, formatMiB } from '@/lib/format';
import { VmTags } from './vm-tags';

export function VmDetailsPanel({ vm }: { vm: VmDto }) {
  const rows: [string, ReactNode][] = [
    ['vCPUs', vm.vcpus],
    ['Memory', formatMiB(vm.memoryMiB)],
    ['Disk size', formatBytes(vm.diskSizeBytes)],
    [
      'Disk path',
      <span key="p" className="font-mono text-xs break-all">
        {vm.diskPath || '—'}
      </span>,
    ],
    ['Storage pool', vm.pool],
    ['Tags', <VmTags key="t" tags={vm.tags} />],
    ['Guest ready', vm.guestReady ? 'Yes' : vm.guestWarning ? 'No (gave up waiting for its ready line)' : 'Not yet'],
    ['Memory in use (RSS)', vm.state === 'running' && vm.rssBytes > 0 ? formatBytes(vm.rssBytes) : '—'], // 0 until the first heartbeat reports it
    ['Created', formatDateTime(vm.createdAt)],
    [
      'ID',
      <span key="id" className="font-mono text-xs">
        {vm.id}
      </span>,
    ],
  ];
  return (
    <Card>
      <CardHeader title="Details" />
      <KeyValueList rows={rows} />
    </Card>
  );
}
