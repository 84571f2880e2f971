import 'server-only';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import type { Task, TaskStep } from '@/lib/generated/prisma/client';
import { noSuchObject } from '@/lib/errors';
import { toPage, type Page } from '@/lib/http/pagination';
import type { TaskDto, TaskState } from './dto';

export const listTasksQuerySchema = z
  .object({
    state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
    targetId: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
    // The last task of the previous page (its Link header names it): the page after it.
    cursor: z
      .string()
      .regex(/^[a-z0-9]{1,64}$/, 'a task id')
      .optional(),
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

// Newest first; the id breaks ties between tasks created in the same millisecond, so pages never
// skip or repeat one.
export async function listTasks(q: z.output<typeof listTasksQuerySchema>): Promise<Page<TaskDto>> {
  if (q.cursor && !(await db().task.findUnique({ where: { id: q.cursor }, select: { id: true } })))
    throw noSuchObject('task', q.cursor);
  const rows = await db().task.findMany({
    where: { state: q.state, targetId: q.targetId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  });
  return toPage(
    rows,
    q.limit,
    (t) => t.id,
    (t) => toDto(t),
  );
}

export async function getTask(id: string): Promise<TaskDto> {
  const t = await db().task.findUnique({ where: { id }, include: { steps: { orderBy: { id: 'asc' } } } });
  if (!t) throw noSuchObject('task', id);
  return toDto(t, t.steps);
}
