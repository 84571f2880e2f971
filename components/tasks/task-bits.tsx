'use client';
import Link from 'next/link';
import { StateBadge } from '@/components/ui/badge';
import type { TaskDto, TaskState } from '@/lib/domain/tasks/dto';
import { formatDuration } from '@/lib/format';

export function TaskStateBadge({ state }: { state: TaskState }) {
  return <StateBadge state={state} tone={state === 'running' ? 'blue' : undefined} />;
}

export function taskTargetHref(task: Pick<TaskDto, 'targetType' | 'targetId'>): string | null {
  if (!task.targetId) return null;
  switch (task.targetType) {
    case 'vm':
      return `/vms/${encodeURIComponent(task.targetId)}`;
    case 'host':
      return `/hosts/${encodeURIComponent(task.targetId)}`;
    case 'image':
      return '/images';
    default:
      return null;
  }
}

export function TaskTargetLink({ task }: { task: Pick<TaskDto, 'targetType' | 'targetId'> }) {
  if (!task.targetId) return <span className="text-slate-400">—</span>;
  const href = taskTargetHref(task);
  const text = (
    <>
      <span className="text-slate-500">{task.targetType ?? 'object'} </span>
      <span className="font-mono text-xs">{task.targetId}</span>
    </>
  );
  return href ? (
    <Link href={href} className="hover:text-accent-700 hover:underline">
      {text}
    </Link>
  ) : (
    <span>{text}</span>
  );
}

/** Run time so far (running), total (finished), or time waiting (queued). */
export function taskDurationMs(
  task: Pick<TaskDto, 'createdAt' | 'startedAt' | 'finishedAt'>,
  now: number,
): number | null {
  const start = Date.parse(task.startedAt ?? task.createdAt);
  const end = task.finishedAt ? Date.parse(task.finishedAt) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : null;
}

export function TaskDuration({ task, now }: { task: TaskDto; now: number }) {
  const text = formatDuration(taskDurationMs(task, now));
  return <span className="tabular-nums">{task.state === 'queued' ? `waiting ${text}` : text}</span>;
}
