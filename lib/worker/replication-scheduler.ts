import 'server-only';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { activeDrTask } from '@/lib/domain/dr/checks';
import { recentDurationsMs } from '@/lib/domain/dr/queries';
import { rpoNextRunAt } from '@/lib/domain/dr/rpo-schedule';
import { enqueueRun } from '@/lib/domain/dr/service';

// Due replication jobs -> replication.run tasks, claimed as backup-scheduler.ts claims backup
// jobs: a conditional update of nextRunAt, so of several workers exactly one queues a run. Runs
// missed while no worker ran (or while one run took longer than the interval) collapse into one,
// and a job whose run (or failover) is still going is skipped this time. The claim's next time is
// the RPO rule's for a point taken about now (the run refines it from its point's real instant).
// A job failing back runs in reverse at the same pace (the run reads the direction from the job).
export async function scheduleReplication(log: (msg: string) => void, now = new Date()): Promise<number> {
  const due = await db().replicationJob.findMany({
    where: { enabled: true, state: { in: ['active', 'failing-back'] }, nextRunAt: { lte: now } },
    select: { id: true, vmId: true, nextRunAt: true, intervalSec: true, state: true },
  });
  let queued = 0;
  for (const job of due) {
    const direction = job.state === 'failing-back' ? 'reverse' : 'forward';
    const recent = await recentDurationsMs(job.id, direction);
    const claimed = await db().replicationJob.updateMany({
      where: { id: job.id, nextRunAt: job.nextRunAt },
      data: { nextRunAt: rpoNextRunAt({ takenAt: now, intervalSec: job.intervalSec, recentDurationsMs: recent, now }) },
    });
    if (claimed.count !== 1) continue;
    const busy = await activeDrTask(job.id);
    if (busy) {
      log(`replication job ${job.id}: due, but "${busy.title}" (task ${busy.id}) is still going; skipped`);
      continue;
    }
    const vm = await db().vm.findUnique({ where: { id: job.vmId }, select: { name: true } });
    const taskId = await enqueueRun(job, vm?.name ?? job.vmId, SYSTEM_ACTOR, 'schedule');
    log(`replication job ${job.id}: queued ${direction} run (task ${taskId})`);
    queued++;
  }
  return queued;
}
