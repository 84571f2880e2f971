import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { noPointsReason } from '@/lib/domain/dr/roles';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { alreadyExists, conflict, invalidInput, noSuchObject } from '@/lib/errors';
import type { BackupJob } from '@/lib/generated/prisma/client';
import type { BackupJobDto } from './dto';
import { activeJobTasks, getJob, JOB_TARGET } from './queries';
import { checkSchedule, nextRun } from './schedule';
import type { CreateJob, UpdateJob } from './schemas';

const target = (job: { id: string | null; name?: string }) => ({ type: JOB_TARGET, id: job.id, name: job.name });

export async function enqueueBackupRun(
  job: Pick<BackupJob, 'id' | 'name'>,
  trigger: 'schedule' | 'manual',
  actor: Actor,
): Promise<string> {
  return enqueueTask({
    kind: 'backup.run',
    title: `Back up job ${job.name}`,
    target: { type: JOB_TARGET, id: job.id },
    payload: { jobId: job.id, trigger },
    actor,
  });
}

function schedules(j: { enabled: boolean; schedule: string; timezone: string; verifySchedule: string | null }) {
  return {
    nextRunAt: j.enabled ? nextRun(j.schedule, j.timezone) : null,
    nextVerifyAt: j.enabled && j.verifySchedule ? nextRun(j.verifySchedule, j.timezone) : null,
  };
}

async function requireRepository(id: string) {
  if (!(await db().backupRepository.findUnique({ where: { id } })))
    throw invalidInput({ repositoryId: [`No backup repository "${id}"`] });
}

// A job naming a DR replica is refused with the reason (one matched by a tag is skipped at the run).
async function requireNoReplicas(vmIds: string[]): Promise<void> {
  const replica = await db().vm.findFirst({ where: { id: { in: vmIds }, role: 'replica' } });
  const reason = replica && noPointsReason(replica, 'backups');
  if (reason) throw conflict(reason, { vmId: replica.id, role: replica.role });
}

export async function createJob(user: SessionUser, input: CreateJob): Promise<BackupJobDto> {
  await authorize(user, 'backup.manage', target({ id: null, name: input.name }), 'backup-job.create');
  if (await db().backupJob.findUnique({ where: { name: input.name } })) throw alreadyExists('backup job', input.name);
  await requireNoReplicas(input.selector.vmIds);
  await requireRepository(input.repositoryId);
  const job = await db().backupJob.create({
    data: {
      ...input,
      selector: JSON.stringify(input.selector),
      retention: JSON.stringify(input.retention),
      ...schedules(input),
    },
  });
  await recordAudit({
    actor: actorOf(user),
    action: 'backup-job.create',
    target: target(job),
    result: 'succeeded',
    detail: { ...input },
  });
  return getJob(job.id);
}

export async function updateJob(user: SessionUser, id: string, input: UpdateJob): Promise<BackupJobDto> {
  const job = await db().backupJob.findUnique({ where: { id } });
  const action =
    Object.keys(input).length === 1 && input.enabled !== undefined
      ? `backup-job.${input.enabled ? 'enable' : 'disable'}`
      : 'backup-job.update';
  await authorize(user, 'backup.manage', target({ id, name: job?.name }), action);
  if (!job) throw noSuchObject('backup job', id);
  if (input.name && input.name !== job.name && (await db().backupJob.findUnique({ where: { name: input.name } })))
    throw alreadyExists('backup job', input.name);
  if (input.repositoryId) await requireRepository(input.repositoryId);
  if (input.selector) await requireNoReplicas(input.selector.vmIds);
  const merged = {
    ...job,
    ...input,
    verifySchedule: input.verifySchedule === undefined ? job.verifySchedule : input.verifySchedule,
  };
  // The schema checked each cron against the timezone given (or UTC); check again against the job's.
  for (const field of ['schedule', 'verifySchedule'] as const) {
    const cron = merged[field];
    const r = cron ? checkSchedule(cron, merged.timezone) : ({ ok: true } as const);
    if (!r.ok) throw invalidInput({ [r.field === 'timezone' ? 'timezone' : field]: [r.message] });
  }
  const timing =
    input.schedule || input.timezone || input.enabled !== undefined || input.verifySchedule !== undefined
      ? schedules(merged)
      : {};
  await db().backupJob.update({
    where: { id },
    data: {
      ...input,
      selector: input.selector ? JSON.stringify(input.selector) : undefined,
      retention: input.retention ? JSON.stringify(input.retention) : undefined,
      ...timing,
    },
  });
  await recordAudit({
    actor: actorOf(user),
    action,
    target: target({ id, name: merged.name }),
    result: 'succeeded',
    detail: { ...input },
  });
  return getJob(id);
}

// Restore points outlive their job (they stay listed and restorable); only the job and its runs go.
export async function deleteJob(user: SessionUser, id: string): Promise<void> {
  const job = await db().backupJob.findUnique({ where: { id } });
  await authorize(user, 'backup.manage', target({ id, name: job?.name }), 'backup-job.delete');
  if (!job) throw noSuchObject('backup job', id);
  const active = (await activeJobTasks([id])).get(id);
  if (active) throw conflict(`Backup job ${job.name} is running; wait for it to finish`, { taskId: active });
  await db().backupJob.delete({ where: { id } });
  await recordAudit({ actor: actorOf(user), action: 'backup-job.delete', target: target(job), result: 'succeeded' });
}

export async function runJobNow(user: SessionUser, id: string): Promise<{ taskId: string }> {
  const job = await db().backupJob.findUnique({ where: { id } });
  await authorize(user, 'backup.manage', target({ id, name: job?.name }), 'backup-job.run');
  if (!job) throw noSuchObject('backup job', id);
  const active = (await activeJobTasks([id])).get(id);
  if (active) throw conflict(`Backup job ${job.name} is already running`, { taskId: active });
  const taskId = await enqueueBackupRun(job, 'manual', actorOf(user));
  await recordAudit({
    actor: actorOf(user),
    action: 'backup-job.run',
    target: target(job),
    result: 'accepted',
    detail: { taskId },
  });
  return { taskId };
}
