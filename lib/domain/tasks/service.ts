import 'server-only';
import { db } from '@/lib/db/client';
import type { Prisma } from '@/lib/generated/prisma/client';
import type { Actor } from '@/lib/domain/audit/service';
import { AppError, errorMessage } from '@/lib/errors';
import { TASK_STATE } from './dto';
import { parseTaskPayload, type TaskKind, type TaskPayloadInput } from './kinds';

type Tx = Prisma.TransactionClient;

// One member per kind, so `kind` picks the payload type: a wrong payload does not type-check.
export type EnqueueInput<K extends TaskKind = TaskKind> = {
  [P in K]: {
    kind: P;
    title: string;
    target?: { type: string; id: string };
    payload: TaskPayloadInput<P>;
    actor: Actor;
  };
}[K];

// The payload is checked at runtime too (a cast or a DB value typed loosely cannot slip through),
// and what is stored is the parsed payload the worker's parse will accept.
export async function enqueueTask<K extends TaskKind>(input: EnqueueInput<K>, tx: Tx = db()): Promise<string> {
  const payload = parseTaskPayload(input.kind, input.payload);
  const task = await tx.task.create({
    data: {
      kind: input.kind,
      title: input.title,
      targetType: input.target?.type,
      targetId: input.target?.id,
      payload: JSON.stringify(payload),
      createdById: input.actor.id,
      createdByName: input.actor.name,
      steps: { create: { message: `Queued by ${input.actor.name}` } },
    },
  });
  return task.id;
}

export async function addStep(
  taskId: string,
  message: string,
  level: 'info' | 'warn' | 'error' = 'info',
): Promise<void> {
  await db().taskStep.create({ data: { taskId, message, level } });
}

export async function setProgress(taskId: string, progress: number): Promise<void> {
  await db().task.update({ where: { id: taskId }, data: { progress: Math.max(0, Math.min(1, progress)) } });
}

export async function finishTask(taskId: string, result: unknown): Promise<void> {
  await db().task.update({
    where: { id: taskId },
    data: {
      state: TASK_STATE.succeeded,
      progress: 1,
      result: JSON.stringify(result ?? null),
      finishedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
    },
  });
  await addStep(taskId, 'Done');
}

export async function failTask(taskId: string, err: unknown): Promise<void> {
  const code = err instanceof AppError ? err.code : 'INTERNAL';
  const message = errorMessage(err);
  await db().task.update({
    where: { id: taskId },
    data: {
      state: TASK_STATE.failed,
      errorCode: code,
      errorMessage: message,
      finishedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
    },
  });
  await addStep(taskId, `Failed: ${message}`, 'error');
}

export async function isTaskActive(id: string): Promise<boolean> {
  return (await db().task.count({ where: { id, state: { in: [TASK_STATE.queued, TASK_STATE.running] } } })) > 0;
}

export async function activeTaskFor(targetId: string): Promise<string | null> {
  const t = await db().task.findFirst({
    where: { targetId, state: { in: [TASK_STATE.queued, TASK_STATE.running] } },
    select: { id: true },
    orderBy: { createdAt: 'desc' },
  });
  return t?.id ?? null;
}
