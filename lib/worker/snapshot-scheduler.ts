import 'server-only';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { nextRun } from '@/lib/domain/backups/schedule';
import { activeScheduleRuns } from '@/lib/domain/snapshots/schedule-queries';
import { enqueueScheduleRun } from '@/lib/domain/snapshots/schedules';

// Due snapshot schedules -> snapshot.schedule-run tasks, claimed as backup-scheduler.ts claims
// backup jobs: a conditional update of nextRunAt, so of several workers exactly one queues a run;
// runs missed while no worker ran collapse into one (the next time is computed from now).
export async function scheduleSnapshots(log: (msg: string) => void, now = new Date()): Promise<void> {
  const due = await db().snapshotSchedule.findMany({ where: { enabled: true, nextRunAt: { lte: now } } });
  const active = await activeScheduleRuns(due.map((s) => s.id));
  for (const s of due) {
    const claimed = await db().snapshotSchedule.updateMany({
      where: { id: s.id, nextRunAt: s.nextRunAt },
      data: { nextRunAt: nextRun(s.schedule, s.timezone, now) },
    });
    if (claimed.count !== 1) continue;
    if (active.has(s.id)) {
      log(`snapshot schedule ${s.name}: due, but its previous run (task ${active.get(s.id)}) is still going; skipped`);
      continue;
    }
    const taskId = await enqueueScheduleRun(s, SYSTEM_ACTOR);
    log(`snapshot schedule ${s.name}: queued scheduled run (task ${taskId})`);
  }
}
