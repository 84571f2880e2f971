import 'server-only';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import type { Task, TaskStep } from '@/lib/generated/prisma/client';
import { noSuchObject } from '@/lib/errors';
import type { TaskDto, TaskState } from './dto';

export const listTasksQuerySchema = z
  .object({
    state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
    targetId: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();

function toDto(t: Task, steps?: TaskStep[]): TaskDto {
  return {
    id: t.id,
    kind: t.kind,
    title: t.title,
    state: t.state as TaskState,
    progress: t.progress,
    targetType: t.targetType,
    targetId: t.targetId,
    createdByName: t.createdByName,
    error: t.errorCode ? { code: t.errorCode, message: t.errorMessage ?? '' } : null,
    result: t.result ? JSON.parse(t.result) : null,
    createdAt: t.createdAt.toISOString(),
    startedAt: t.startedAt?.toISOString() ?? null,
    finishedAt: t.finishedAt?.toISOString() ?? null,
    steps: steps?.map((s) => ({
      at: s.at.toISOString(),
      level: s.level as 'info' | 'warn' | 'error',
      message: s.message,
    })),
  };
}

export async function listTasks(q: z.output<typeof listTasksQuerySchema>): Promise<TaskDto[]> {
  const rows = await db().task.findMany({
    where: { state: q.state, targetId: q.targetId },
    orderBy: { createdAt: 'desc' },
    take: q.limit,
  });
  return rows.map((t) => toDto(t));
}

export async function getTask(id: string): Promise<TaskDto> {
  const t = await db().task.findUnique({ where: { id }, include: { steps: { orderBy: { id: 'asc' } } } });
  if (!t) throw noSuchObject('task', id);
  return toDto(t, t.steps);
}
