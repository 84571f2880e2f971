import 'server-only';
import { db } from '@/lib/db/client';
import { inChunks } from '@/lib/db/in-chunks';
import { describeSchedule } from '@/lib/domain/backups/schedule';
import { parseSelector } from '@/lib/domain/backups/selector';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { noSuchObject } from '@/lib/errors';
import type { SnapshotSchedule } from '@/lib/generated/prisma/client';
import type { SnapshotScheduleDto } from './dto';

function toScheduleDto(s: SnapshotSchedule): SnapshotScheduleDto {
  return {
    id: s.id,
    name: s.name,
    enabled: s.enabled,
    selector: parseSelector(s.selector),
    memory: s.memory,
    schedule: s.schedule,
    scheduleText: describeSchedule(s.schedule, s.timezone),
    timezone: s.timezone,
    keep: s.keep,
    nextRunAt: s.nextRunAt?.toISOString() ?? null,
    lastRunAt: s.lastRunAt?.toISOString() ?? null,
  };
}

export async function listSchedules(): Promise<SnapshotScheduleDto[]> {
  return (await db().snapshotSchedule.findMany({ orderBy: { name: 'asc' } })).map(toScheduleDto);
}

export async function getSchedule(id: string): Promise<SnapshotScheduleDto> {
  const s = await db().snapshotSchedule.findUnique({ where: { id } });
  if (!s) throw noSuchObject('snapshot schedule', id);
  return toScheduleDto(s);
}

// Queued or running schedule runs, by schedule id.
export async function activeScheduleRuns(scheduleIds: string[]): Promise<Map<string, string>> {
  const tasks = await inChunks(scheduleIds, (chunk) =>
    db().task.findMany({
      where: {
        kind: 'snapshot.schedule-run',
        targetId: { in: chunk },
        state: { in: [TASK_STATE.queued, TASK_STATE.running] },
      },
      select: { id: true, targetId: true },
    }),
  );
  return new Map(tasks.map((t) => [t.targetId!, t.id]));
}
