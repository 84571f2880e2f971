import 'server-only';
import { db } from '@/lib/db/client';
import type { BackupRunVmResult, VmProtectionDto } from './dto';
import { protectionOf } from './protection';
import { selectableVms } from './queries';
import { scheduleIntervalMs } from './schedule';
import { matchVms, parseSelector } from './selector';

const RECENT_RUNS = 20;

// GET /api/backups/protection: every VM, the jobs covering it, and its status.
export async function listProtection(now = new Date()): Promise<VmProtectionDto[]> {
  const vms = await selectableVms();
  const jobs = await db().backupJob.findMany({ orderBy: { name: 'asc' } });
  const covering = new Map(jobs.map((j) => [j.id, new Set(matchVms(parseSelector(j.selector), vms).map((v) => v.id))]));
  const intervals = new Map(jobs.map((j) => [j.id, scheduleIntervalMs(j.schedule, j.timezone, now)]));
  const runs = await db().backupRun.findMany({
    where: { state: { not: 'running' } },
    orderBy: { startedAt: 'desc' },
    take: RECENT_RUNS * Math.max(1, jobs.length),
  });
  const points = await db().restorePoint.findMany({
    where: { kind: { not: 'safety' }, verifyState: { notIn: ['failed', 'boot-failed'] } },
    orderBy: { takenAt: 'desc' },
    select: { id: true, vmId: true, takenAt: true },
  });
  return vms.map((vm) => {
    const vmJobs = jobs.filter((j) => covering.get(j.id)!.has(vm.id));
    const lastPoint = points.find((p) => p.vmId === vm.id) ?? null;
    let lastRun: { state: 'succeeded' | 'failed'; error: string | null; at: Date } | null = null;
    for (const r of runs) {
      if (!vmJobs.some((j) => j.id === r.jobId)) continue;
      const res = (JSON.parse(r.results) as BackupRunVmResult[]).find((x) => x.vmId === vm.id);
      if (res && (res.state === 'succeeded' || res.state === 'failed')) {
        lastRun = { state: res.state, error: res.error, at: r.startedAt };
        break;
      }
    }
    const p = protectionOf({
      jobs: vmJobs.map((j) => ({ enabled: j.enabled, intervalMs: intervals.get(j.id)! })),
      lastPointAt: lastPoint?.takenAt ?? null,
      lastRun,
      now,
    });
    return {
      vmId: vm.id,
      vmName: vm.name,
      hostId: vm.hostId,
      status: p.status,
      reason: p.reason,
      jobs: vmJobs.map((j) => ({ id: j.id, name: j.name, enabled: j.enabled })),
      lastPointId: lastPoint?.id ?? null,
      lastPointAt: lastPoint?.takenAt.toISOString() ?? null,
      lastPointAgeSec: lastPoint ? Math.round((now.getTime() - lastPoint.takenAt.getTime()) / 1000) : null,
      intervalSec: p.intervalMs === null ? null : Math.round(p.intervalMs / 1000),
      lastRunState: lastRun?.state ?? null,
      lastRunError: lastRun?.error ?? null,
    };
  });
}
