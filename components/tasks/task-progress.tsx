'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useRef } from 'react';
import { ProgressBar } from '@/components/ui/progress-bar';
import { XIcon } from '@/components/ui/icons';
import { Skeleton } from '@/components/ui/skeleton';
import type { TaskDto } from '@/lib/domain/tasks/dto';
import { cx } from '@/lib/cx';
import { formatRatio } from '@/lib/format';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';
import { TaskStateBadge } from './task-bits';

/** Live progress of one task: state, bar, latest step or the error in words. */
export function TaskProgress({
  taskId,
  onFinished,
  onDismiss,
  className,
  bare,
}: {
  taskId: string;
  onFinished?: (task: TaskDto) => void;
  className?: string;
  /** Offers a dismiss button once the task has ended. */
  onDismiss?: () => void;
  /** Bar only, without the latest step or error line (the task page lists those itself). */
  bare?: boolean;
}) {
  const { data: task, error } = useQuery(taskQueries.detail(taskId));
  const reported = useRef<string | null>(null);

  useEffect(() => {
    if (task && !isTaskActive(task) && reported.current !== task.id) {
      reported.current = task.id;
      onFinished?.(task);
    }
  }, [task, onFinished]);

  if (!task) {
    return (
      <div data-testid="task-progress" className={cx('rounded-md border border-slate-200 bg-white p-3', className)}>
        {error ? (
          <p className="text-xs text-red-700">
            Cannot follow task {taskId}: {error.message}
          </p>
        ) : (
          <Skeleton className="h-4 w-2/3" />
        )}
      </div>
    );
  }

  const active = isTaskActive(task);
  const last = task.steps?.at(-1);
  const tone =
    task.state === 'failed'
      ? 'red'
      : task.state === 'succeeded'
        ? 'green'
        : task.state === 'cancelled'
          ? 'gray'
          : 'accent';
  return (
    <div
      data-testid="task-progress"
      data-state={task.state}
      aria-live="polite"
      className={cx(
        'rounded-md border bg-white p-3',
        task.state === 'failed' ? 'border-red-200' : 'border-slate-200',
        className,
      )}
    >
      <div className="mb-2 flex items-center gap-2.5">
        <TaskStateBadge state={task.state} />
        {bare ? (
          <span className="flex-1 text-sm text-slate-600">{task.steps?.length ?? 0} steps logged</span>
        ) : (
          <Link
            href={`/tasks/${task.id}`}
            className="min-w-0 flex-1 truncate text-sm font-medium text-slate-800 hover:underline"
          >
            {task.title}
          </Link>
        )}
        <span className="text-xs text-slate-500 tabular-nums">{formatRatio(task.progress)}</span>
        {onDismiss && !active && (
          <button
            type="button"
            onClick={onDismiss}
            aria-label="Dismiss task"
            className="-my-1 rounded p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-700"
          >
            <XIcon />
          </button>
        )}
      </div>
      <ProgressBar value={task.progress} label={`Progress of ${task.title}`} tone={tone} striped={active} />
      {bare ? null : task.error ? (
        <p className="mt-2 text-xs text-red-700">
          <span className="font-mono">{task.error.code}</span>: {task.error.message}
        </p>
      ) : last ? (
        <p className="mt-2 truncate text-xs text-slate-500">{last.message}</p>
      ) : null}
    </div>
  );
}
