'use client';
import { useQuery } from '@tanstack/react-query';
import { Card } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { Stat } from '@/components/ui/stat';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { formatBytes, formatPercent } from '@/lib/format';
import { hostQueries } from '@/lib/queries/host-queries';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';

export function ClusterStats() {
  const { data: hosts } = useQuery(hostQueries.list());
  const { data: tasks } = useQuery(taskQueries.list());
  if (!hosts) return <Skeleton className="h-[74px]" />;

  const online = hosts.filter((h) => h.status === 'online');
  const sum = (f: (h: HostDto) => number) => hosts.reduce((n, h) => n + f(h), 0);
  const memUsed = sum((h) => (h.status === 'online' ? h.memoryUsedBytes : 0));
  const memTotal = sum((h) => (h.status === 'online' ? h.memoryTotalBytes : 0));
  const cpuAvg = online.length ? online.reduce((n, h) => n + h.cpuPct, 0) / online.length : 0;
  const failed = tasks?.filter((t) => t.state === 'failed').length ?? 0;

  return (
    <Card className="px-5 py-4">
      <dl className="grid grid-cols-5 gap-6">
        <Stat
          label="Hosts online"
          value={`${online.length} / ${hosts.length}`}
          hint={
            hosts.some((h) => h.maintenance)
              ? `${hosts.filter((h) => h.maintenance).length} in maintenance`
              : `${sum((h) => h.cpuCount)} CPUs in total`
          }
        />
        <Stat
          label="VMs running"
          value={`${sum((h) => h.runningVmCount)} / ${sum((h) => h.vmCount)}`}
          hint="across all hosts"
        />
        <Stat label="CPU (average)" value={formatPercent(cpuAvg)} hint="online hosts" />
        <Stat label="Memory used" value={formatBytes(memUsed)} hint={`of ${formatBytes(memTotal)}`} />
        <Stat
          label="Tasks running"
          value={tasks?.filter(isTaskActive).length ?? '—'}
          hint={failed ? `${failed} failed recently` : 'none failed recently'}
        />
      </dl>
    </Card>
  );
}
