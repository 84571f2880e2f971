import 'server-only';
import { db } from '@/lib/db/client';
import { VM_STATE } from '@/lib/domain/vms/dto';
import type { HostSummaryDto } from './dto';
import { onlineWhere } from './host-list';

const SIMULATED_NAMES = 5;

// The fleet in a few numbers, counted and summed by the database: every page's top bar polls it,
// so its cost must not grow with the host list (at 2,500 hosts that list is ~1.2 MB).
export async function hostSummary(): Promise<HostSummaryDto> {
  const online = onlineWhere();
  const down = await db().haHostState.findMany({
    where: { state: { in: ['failed', 'fenced'] } },
    select: { hostId: true },
  });
  const [hosts, up, maintenance, all, live, simulated, simulatedNames, sites, vmCount, runningVmCount] =
    await Promise.all([
      db().host.count(),
      db().host.count({ where: { AND: [online, { id: { notIn: down.map((d) => d.hostId) } }] } }),
      db().host.count({ where: { maintenance: true } }),
      db().host.aggregate({ _sum: { cpuCount: true } }),
      db().host.aggregate({
        where: online,
        _count: true,
        _avg: { cpuPct: true },
        _sum: { memoryUsedBytes: true, memoryTotalBytes: true },
      }),
      db().host.count({ where: { driver: 'simulated' } }),
      db().host.findMany({
        where: { driver: 'simulated' },
        select: { name: true },
        orderBy: { name: 'asc' },
        take: SIMULATED_NAMES,
      }),
      db().host.findMany({ distinct: ['site'], select: { site: true }, orderBy: { site: 'asc' } }),
      db().vm.count(),
      db().vm.count({ where: { state: VM_STATE.running } }),
    ]);
  return {
    hosts,
    online: live._count,
    up,
    maintenance,
    cpuCount: all._sum.cpuCount ?? 0,
    onlineCpuPctAvg: live._avg.cpuPct ?? 0,
    onlineMemoryUsedBytes: Number(live._sum.memoryUsedBytes ?? 0),
    onlineMemoryTotalBytes: Number(live._sum.memoryTotalBytes ?? 0),
    vmCount,
    runningVmCount,
    simulated: { count: simulated, names: simulatedNames.map((h) => h.name) },
    sites: sites.map((s) => s.site),
  };
}
