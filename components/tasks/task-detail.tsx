'use client';
import { useQuery } from '@tanstack/react-query';
import { Card, CardHeader } from '@/components/ui/card';
import { KeyValueList } from '@/components/ui/key-value-list';
import { PageHeader } from '@/components/ui/page-header';
import { QueryState } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import { formatDateTime } from '@/lib/format';
import { useNow } from '@/lib/hooks/use-now';
import { taskQueries } from '@/lib/queries/task-queries';
import { TaskDuration, TaskStateBadge, TaskTargetLink } from './task-bits';
import { TaskProgress } from './task-progress';
import { TaskStepLog } from './task-step-log';

export function TaskDetail({ taskId }: { taskId: string }) {
  const query = useQuery(taskQueries.detail(taskId));
  const now = useNow();
  return (
    <QueryState query={query} what="the task" skeleton={<Skeleton className="h-40" />}>
      {(task) => (
        <>
          <PageHeader
            title={task.title}
            meta={<TaskStateBadge state={task.state} />}
            description={
              <span className="font-mono text-xs">
                {task.kind} · {task.id}
              </span>
            }
          />
          <div className="space-y-5">
            <TaskProgress taskId={task.id} bare />
            {task.error && (
              <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3">
                <p className="text-sm font-semibold text-red-800">This task failed</p>
                <p className="mt-1 text-sm text-red-800">{task.error.message}</p>
                <p className="mt-1 font-mono text-xs text-red-600">code {task.error.code}</p>
              </div>
            )}
            <div className="grid grid-cols-1 items-start gap-5 xl:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
              <Card>
                <CardHeader title="Details" />
                <KeyValueList
                  labelWidth="7.5rem"
                  rows={[
                    ['Target', <TaskTargetLink key="t" task={task} />],
                    [
                      'Kind',
                      <span key="k" className="font-mono text-xs">
                        {task.kind}
                      </span>,
                    ],
                    ['Requested by', task.createdByName ?? 'system'],
                    ['Created', formatDateTime(task.createdAt)],
                    ['Started', formatDateTime(task.startedAt)],
                    ['Finished', formatDateTime(task.finishedAt)],
                    ['Duration', <TaskDuration key="d" task={task} now={now} />],
                  ]}
                />
              </Card>
              <Card>
                <CardHeader title="Step log" description={`${task.steps?.length ?? 0} entries`} />
                <TaskStepLog steps={task.steps ?? []} />
              </Card>
            </div>
          </div>
        </>
      )}
    </QueryState>
  );
}
