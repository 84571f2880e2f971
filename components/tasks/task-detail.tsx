'use client';
import { useQuery } from '@tanstack/react-query';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { QueryState } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import { Stat } from '@/components/ui/stat';
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
          <PageHeader title={task.title} meta={<TaskStateBadge state={task.state} />}
            description={<span className="font-mono text-xs">{task.kind} · {task.id}</span>} />
          <div className="space-y-5">
            <TaskProgress taskId={task.id} bare />
            {task.error && (
              <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3">
                <p className="text-sm font-semibold text-red-800">This task failed</p>
                <p className="mt-1 text-sm text-red-800">{task.error.message}</p>
                <p className="mt-1 font-mono text-xs text-red-600">code {task.error.code}</p>
              </div>
            )}
            <Card>
              <CardBody>
                <dl className="grid grid-cols-3 gap-x-6 gap-y-4 lg:grid-cols-6">
                  <Stat label="Target" value={<span className="text-sm font-normal"><TaskTargetLink task={task} /></span>} />
                  <Stat label="Requested by" value={<span className="text-sm">{task.createdByName ?? 'system'}</span>} />
                  <Stat label="Created" value={<span className="text-sm">{formatDateTime(task.createdAt)}</span>} />
                  <Stat label="Started" value={<span className="text-sm">{formatDateTime(task.startedAt)}</span>} />
                  <Stat label="Finished" value={<span className="text-sm">{formatDateTime(task.finishedAt)}</span>} />
                  <Stat label="Duration" value={<span className="text-sm"><TaskDuration task={task} now={now} /></span>} />
                </dl>
              </CardBody>
            </Card>
            <Card>
              <CardHeader title="Step log" description={`${task.steps?.length ?? 0} entries`} />
              <TaskStepLog steps={task.steps ?? []} />
            </Card>
          </div>
        </>
      )}
    </QueryState>
  );
}
