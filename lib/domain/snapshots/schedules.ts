import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { nextRun } from '@/lib/domain/backups/schedule';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { alreadyExists, conflict, noSuchObject } from '@/lib/errors';
import type { SnapshotSchedule } from '@/lib/generated/prisma/client';
import type { SnapshotScheduleDto } from './dto';
import { activeScheduleRuns, getSchedule } from './schedule-queries';
import type { Schedule } from './schemas';

// Scheduled snapshots, like backup jobs (same cron + timezone + selector); the worker's
// snapshot-scheduler.ts queues snapshot.schedule-run when one is due. Snapshots a schedule took
// stay when it is deleted (listed and revertible; no schedule prunes them any more).

export const SCHEDULE_TARGET = 'snapshot-schedule';
const target = (id: string | null, name?: string | null) => ({ type: SCHEDULE_TARGET, id, name });

const rowData = (input: Schedule) => ({
  name: input.name,
  enabled: input.enabled,
  selector: JSON.stringify(input.selector),
  memory: input.memory,
  schedule: input.schedule,
  timezone: input.timezone,
  keep: input.keep,
  nextRunAt: input.enabled ? nextRun(input.schedule, input.timezone) : null,
});

export function enqueueScheduleRun(s: Pick<SnapshotSchedule, 'id' | 'name'>, actor: Actor): Promise<string> {
  return enqueueTask({
    kind: 'snapshot.schedule-run',
    title: `Scheduled snapshots "${s.name}"`,
    target: { type: SCHEDULE_TARGET, id: s.id },
    payload: { scheduleId: s.id },
    actor,
  });
}

export async function createSchedule(user: SessionUser, input: Schedule): Promise<SnapshotScheduleDto> {
  await authorize(user, 'snapshot.schedule', target(null, input.name), 'snapshot-schedule.create');
  if (await db().snapshotSchedule.findUnique({ where: { name: input.name } })) {
    await recordAudit({
      actor: actorOf(user),
      action: 'snapshot-schedule.create',
      target: target(null, input.name),
      result: 'denied',
      detail: { reason: 'name taken' },
    });
    throw alreadyExists('snapshot schedule', input.name);
  }
  const row = await db().snapshotSchedule.create({ data: rowData(input) });
  await recordAudit({
    actor: actorOf(user),
    action: 'snapshot-schedule.create',
    target: target(row.id, row.name),
    result: 'succeeded',
    detail: { ...input },
  });
  return getSchedule(row.id);
}

export async function updateSchedule(user: SessionUser, id: string, input: Schedule): Promise<SnapshotScheduleDto> {
  const row = await db().snapshotSchedule.findUnique({ where: { id } });
  await authorize(user, 'snapshot.schedule', target(id, row?.name), 'snapshot-schedule.update');
  if (!row) throw noSuchObject('snapshot schedule', id);
  if (input.name !== row.name && (await db().snapshotSchedule.findUnique({ where: { name: input.name } }))) {
    await recordAudit({
      actor: actorOf(user),
      action: 'snapshot-schedule.update',
      target: target(id, row.name),
      result: 'denied',
      detail: { reason: 'name taken', name: input.name },
    });
    throw alreadyExists('snapshot schedule', input.name);
  }
  await db().snapshotSchedule.update({ where: { id }, data: rowData(input) });
  await recordAudit({
    actor: actorOf(user),
    action: 'snapshot-schedule.update',
    target: target(id, input.name),
    result: 'succeeded',
    detail: { ...input },
  });
  return getSchedule(id);
}

export async function deleteSchedule(user: SessionUser, id: string): Promise<void> {
  const row = await db().snapshotSchedule.findUnique({ where: { id } });
  await authorize(user, 'snapshot.schedule', target(id, row?.name), 'snapshot-schedule.delete');
  if (!row) throw noSuchObject('snapshot schedule', id);
  const active = (await activeScheduleRuns([id])).get(id);
  if (active) {
    await recordAudit({
      actor: actorOf(user),
      action: 'snapshot-schedule.delete',
      target: target(id, row.name),
      result: 'denied',
      detail: { reason: 'running', taskId: active },
    });
    throw conflict(`Snapshot schedule ${row.name} is running; wait for it to finish`, { taskId: active });
  }
  await db().snapshotSchedule.delete({ where: { id } });
  await recordAudit({
    actor: actorOf(user),
    action: 'snapshot-schedule.delete',
    target: target(id, row.name),
    result: 'succeeded',
  });
}
