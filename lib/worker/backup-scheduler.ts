import 'server-only';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { enqueueBackupRun } from '@/lib/domain/backups/jobs';
import { activeJobTasks } from '@/lib/domain/backups/queries';
import { nextRun } from '@/lib/domain/backups/schedule';
import { enqueueTask } from '@/lib/domain/tasks/service';
import type { BackupJob } from '@/lib/generated/prisma/client';

type Field = 'nextRunAt' | 'nextVerifyAt';

// Moves a due time forward with a conditional update: of several workers seeing the same due
// job, exactly one wins the claim (the others' `where` no longer matches). Runs missed while no
// worker ran collapse into one: the next time is computed from now.
async function claim(job: BackupJob, field: Field, cron: string, now: Date): Promise<boolean> {
  const next = nextRun(cron, job.timezone, now);
  const r = await db().backupJob.updateMany({ where: { id: job.id, [field]: job[field] }, data: { [field]: next } });
  return r.count === 1;
}

// The newest point of each VM of the job: verifying it re-reads its whole chain.
async function headsOf(jobId: string): Promise<string[]> {
  const points = await db().restorePoint.findMany({
    where: { jobId },
    orderBy: { takenAt: 'desc' },
    select: { id: true, vmId: true },
  });
  const heads = new Map<string, string>();
  for (const p of points) if (!heads.has(p.vmId)) heads.set(p.vmId, p.id);
  return [...heads.values()];
}

export async function scheduleBackups(log: (msg: string) => void, now = new Date()): Promise<void> {
  const due = await db().backupJob.findMany({ where: { enabled: true, nextRunAt: { lte: now } } });
  const active = await activeJobTasks(due.map((j) => j.id));
  for (const job of due) {
    if (!(await claim(job, 'nextRunAt', job.schedule, now))) continue;
    if (active.has(job.id)) {
      log(`backup job ${job.name}: due, but its previous run (task ${active.get(job.id)}) is still going; skipped`);
      continue;
    }
    const taskId = await enqueueBackupRun(job, 'schedule', SYSTEM_ACTOR);
    log(`backup job ${job.name}: queued scheduled run (task ${taskId})`);
  }
  const verifyDue = await db().backupJob.findMany({
    where: { enabled: true, verifySchedule: { not: null }, nextVerifyAt: { lte: now } },
  });
  for (const job of verifyDue) {
    if (!(await claim(job, 'nextVerifyAt', job.verifySchedule!, now))) continue;
    const pointIds = await headsOf(job.id);
    if (!pointIds.length) continue;
    await enqueueTask({
      kind: 'backup.verify',
      title: `Scheduled verify of job ${job.name}`,
      target: { type: 'backup-job', id: job.id },
      payload: { pointIds, boot: false },
      actor: SYSTEM_ACTOR,
    });
  }
}
