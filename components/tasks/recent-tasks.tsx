'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { TaskIcon } from '@/components/ui/icons';
import { ProgressBar } from '@/components/ui/progress-bar';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { formatRelativeTime } from '@/lib/format';
import { useNow } from '@/lib/hooks/use-now';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';
import { TaskStateBadge } from './task-bits';

export function RecentTasks({ limit = 8 }: { limit?: number }) {
  const query = useQuery(taskQueries.list());
  const now = useNow(5000);
  return (
    <Card>
      <CardHeader
        title="Recent tasks"
        actions={
          <Link href="/tasks" className="text-xs font-medium text-accent-700 hover:underline">
            All tasks
          </Link>
        }
      />
      <QueryState query={query} what="tasks" skeleton={<SkeletonRows rows={4} />}>
        {(tasks) => {
          const recent = [...tasks].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)).slice(0, limit);
          if (recent.length === 0)
            return (
              <EmptyState
                icon={<TaskIcon />}
                title="No tasks yet"
                description="Create a VM or import an image; its progress shows here."
              />
            );
          return (
            <ul className="divide-y divide-slate-100">
              {recent.map((t) => (
                <li key={t.id} className="flex items-center gap-3 px-4 py-2 hover:bg-slate-50">
                  <TaskStateBadge state={t.state} />
                  <Link
                    href={`/tasks/${t.id}`}
                    className="min-w-0 flex-1 truncate text-sm text-slate-800 hover:text-accent-700"
                  >
                    {t.title}
                  </Link>
                  {isTaskActive(t) && (
                    <ProgressBar
                      value={t.progress}
                      label={`Progress of ${t.title}`}
                      size="sm"
                      striped
                      className="w-24"
                    />
                  )}
                  <span className="w-20 shrink-0 text-right text-xs text-slate-500 tabular-nums">
                    {formatRelativeTime(t.createdAt, now)}
                  </span>
                </li>
              ))}
            </ul>
          );
        }}
      </QueryState>
    </Card>
  );
}
