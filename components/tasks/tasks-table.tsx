'use client';
import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { DataTable, type Column } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/empty-state';
import { FilterSelect } from '@/components/ui/form-field';
import { TaskIcon } from '@/components/ui/icons';
import { LoadOlder } from '@/components/ui/load-older';
import { ProgressBar } from '@/components/ui/progress-bar';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { TASK_STATE, type TaskDto, type TaskState } from '@/lib/domain/tasks/dto';
import { formatDateTime, formatRelativeTime } from '@/lib/format';
import { useNow } from '@/lib/hooks/use-now';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';
import { TaskDuration, taskDurationMs, TaskStateBadge, TaskTargetLink } from './task-bits';

function columns(now: number): Column<TaskDto>[] {
  return [
    {
      id: 'state',
      header: 'State',
      cell: (t) => <TaskStateBadge state={t.state} />,
      sortValue: (t) => t.state,
      className: 'w-28',
    },
    {
      id: 'progress',
      header: 'Progress',
      className: 'w-36',
      cell: (t) => (
        <div className="flex items-center gap-2">
          <ProgressBar
            value={t.progress}
            label={`Progress of ${t.title}`}
            size="sm"
            striped={isTaskActive(t)}
            tone={t.state === 'failed' ? 'red' : t.state === 'succeeded' ? 'green' : 'accent'}
          />
          <span className="w-9 text-right text-xs text-slate-500 tabular-nums">{Math.round(t.progress * 100)}%</span>
        </div>
      ),
      sortValue: (t) => t.progress,
    },
    {
      id: 'title',
      header: 'Task',
      sortValue: (t) => t.title,
      className: 'max-w-80',
      cell: (t) => (
        <div className="min-w-0">
          <Link href={`/tasks/${t.id}`} className="block truncate font-medium text-slate-900 hover:text-accent-700">
            {t.title}
          </Link>
          {t.error && (
            <p className="truncate text-xs text-red-600" title={t.error.message}>
              {t.error.message}
            </p>
          )}
        </div>
      ),
    },
    {
      id: 'target',
      header: 'Target',
      cell: (t) => <TaskTargetLink task={t} />,
      sortValue: (t) => t.targetId,
      className: 'max-w-48 truncate',
    },
    {
      id: 'who',
      header: 'By',
      cell: (t) => t.createdByName ?? <span className="text-slate-500">system</span>,
      sortValue: (t) => t.createdByName,
    },
    {
      id: 'started',
      header: 'Started',
      sortValue: (t) => Date.parse(t.startedAt ?? t.createdAt),
      cell: (t) => (
        <span title={formatDateTime(t.startedAt ?? t.createdAt)}>
          {formatRelativeTime(t.startedAt ?? t.createdAt, now)}
        </span>
      ),
    },
    {
      id: 'duration',
      header: 'Duration',
      align: 'right',
      cell: (t) => <TaskDuration task={t} now={now} />,
      sortValue: (t) => taskDurationMs(t, now),
    },
  ];
}

export function TasksTable() {
  const [state, setState] = useState<TaskState | ''>('');
  const query = useInfiniteQuery(taskQueries.paged(state ? { state } : {}));
  const now = useNow();

  return (
    <QueryState query={query} what="tasks" skeleton={<SkeletonRows rows={8} />}>
      {(tasks) => (
        <>
          <DataTable
            label="Tasks"
            rows={tasks}
            columns={columns(now)}
            rowKey={(t) => t.id}
            rowHref={(t) => `/tasks/${t.id}`}
            searchText={(t) => `${t.title} ${t.kind} ${t.targetId ?? ''} ${t.createdByName ?? ''}`}
            searchPlaceholder="Filter by title, target, user…"
            initialSort={{ id: 'started', desc: true }}
            filtersActive={state !== ''}
            onClearFilters={() => setState('')}
            toolbar={
              <FilterSelect label="State" value={state} onChange={(e) => setState(e.target.value as TaskState | '')}>
                <option value="">All</option>
                {Object.values(TASK_STATE).map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </FilterSelect>
            }
            empty={
              <EmptyState
                icon={<TaskIcon />}
                title="No tasks yet"
                description="Long operations (creating, starting or deleting VMs, importing images) show up here with live progress."
              />
            }
          />
          <LoadOlder query={query} what="tasks" />
        </>
      )}
    </QueryState>
  );
}
