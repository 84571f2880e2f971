'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { TaskProgress } from '@/components/tasks/task-progress';
import { StateBadge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { QueryError } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import type { DrJobDto, FailoverPlanDto } from '@/lib/domain/dr/dto';
import { formatRelativeTime } from '@/lib/format';
import { drPlanQueries, useDeleteFailoverPlan } from '@/lib/queries/dr';
import { PlanDialog } from './plan-dialog';
import { PlanRunDialog } from './plan-run-dialog';

type Editing = { plan: FailoverPlanDto | null } | null;

/** Failover plans: protected VMs failed over (or test-failed-over) together in boot order. */
export function PlansSection({ jobs }: { jobs: DrJobDto[] }) {
  const plans = useQuery(drPlanQueries.list());
  const manage = usePermission('dr.manage');
  const [editing, setEditing] = useState<Editing>(null);
  const newOff = manage.reason ?? (jobs.length === 0 ? 'Protect a VM first' : null);

  return (
    <Card aria-label="Failover plans" data-testid="dr-plans">
      <CardHeader
        title="Failover plans"
        description="Several VMs failed over together, in boot order: a group's guests are ready before the next group starts."
        actions={
          <Button
            size="sm"
            disabled={Boolean(newOff)}
            disabledReason={newOff}
            onClick={() => setEditing({ plan: null })}
          >
            New plan
          </Button>
        }
      />
      <CardBody className="space-y-3">
        {plans.isError && !plans.data ? (
          <QueryError error={plans.error} what="the failover plans" onRetry={() => void plans.refetch()} />
        ) : !plans.data ? (
          <Skeleton className="h-16" />
        ) : plans.data.length === 0 ? (
          <p className="text-sm text-slate-500">No plan yet.</p>
        ) : (
          plans.data.map((p) => <PlanRow key={p.id} plan={p} onEdit={() => setEditing({ plan: p })} />)
        )}
      </CardBody>
      {editing && <PlanDialog jobs={jobs} plan={editing.plan} onClose={() => setEditing(null)} />}
    </Card>
  );
}

// Members grouped by boot order: "1: web, db → 2: app".
function bootGroups(plan: FailoverPlanDto): { order: number; names: string[] }[] {
  const groups = new Map<number, string[]>();
  for (const m of plan.members) groups.set(m.order, [...(groups.get(m.order) ?? []), m.vmName ?? `${m.vmId} (gone)`]);
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([order, names]) => ({ order, names }));
}

function PlanRow({ plan, onEdit }: { plan: FailoverPlanDto; onEdit: () => void }) {
  const manage = usePermission('dr.manage');
  const remove = useDeleteFailoverPlan(plan.id);
  const [dialog, setDialog] = useState<'run' | 'delete' | null>(null);
  // The run started here, else the plan's active or last run: its live progress.
  const [started, setStarted] = useState<string | null>(null);
  const taskId = started ?? plan.activeTaskId ?? plan.lastRun?.taskId ?? null;
  const busy = plan.activeTaskId ? 'The plan is running' : null;
  const runOff =
    manage.reason ?? busy ?? (plan.runnable ? null : 'Every member must be protected by an active replication job');
  const editOff = manage.reason ?? busy;

  return (
    <div className="rounded-md border border-slate-200 p-3" data-testid="dr-plan" data-plan={plan.name}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <h3 className="text-sm font-semibold text-slate-900">{plan.name}</h3>
          <ol
            className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600"
            aria-label={`Boot order of ${plan.name}`}
          >
            {bootGroups(plan).map((g) => (
              <li key={g.order}>
                <span className="font-medium text-slate-800 tabular-nums">{g.order}:</span> {g.names.join(', ')}
              </li>
            ))}
          </ol>
          {plan.lastRun && (
            <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
              Last run: {plan.lastRun.kind} {formatRelativeTime(plan.lastRun.createdAt)}{' '}
              <StateBadge state={plan.lastRun.state} />
            </p>
          )}
        </div>
        <div className="flex flex-wrap gap-1.5">
          <Button
            size="sm"
            variant="primary"
            disabled={Boolean(runOff)}
            disabledReason={runOff}
            onClick={() => setDialog('run')}
          >
            Run
          </Button>
          <Button size="sm" disabled={Boolean(editOff)} disabledReason={editOff} onClick={onEdit}>
            Edit
          </Button>
          <Button
            size="sm"
            variant="ghost"
            disabled={Boolean(editOff)}
            disabledReason={editOff}
            onClick={() => setDialog('delete')}
          >
            Delete
          </Button>
        </div>
      </div>
      {taskId && <TaskProgress key={taskId} taskId={taskId} className="mt-3" />}
      {dialog === 'run' && <PlanRunDialog plan={plan} onClose={() => setDialog(null)} onAccepted={setStarted} />}
      <ConfirmDialog
        open={dialog === 'delete'}
        onCancel={() => setDialog(null)}
        title={`Delete plan ${plan.name}?`}
        description="Only the plan goes: its VMs stay protected."
        confirmLabel="Delete plan"
        pending={remove.isPending}
        onConfirm={() => remove.mutate(undefined, { onSettled: () => setDialog(null) })}
      />
    </div>
  );
}
