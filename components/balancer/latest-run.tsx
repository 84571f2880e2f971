'use client';
import { useQuery } from '@tanstack/react-query';
import { usePermission } from '@/components/auth/current-user';
import { BeforeAfterBar } from '@/components/charts/before-after-bar';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { useToast } from '@/components/ui/toast';
import type { PolicyDto, RunDto } from '@/lib/domain/balancer/dto';
import { formatDateTime, formatDuration } from '@/lib/format';
import { useApplyAll } from '@/lib/queries/balancer';
import { migrationQueries } from '@/lib/queries/migrations';
import { formatImbalance } from './balancer-bits';
import { RecommendationRow } from './recommendation-row';

function Imbalance({ run }: { run: RunDto }) {
  const gain = run.imbalanceBefore - run.imbalanceAfter;
  return (
    // One <dl> per figure: a list may hold only dt/dd groups, and the arrow and the gain sit between them.
    <div
      className="flex items-end gap-6 px-4 py-3"
      title="Imbalance: the spread (standard deviation) of host CPU and memory load, in percentage points; 0 is perfectly even."
    >
      <dl>
        <dt className="text-xs text-slate-500">Imbalance at the run</dt>
        <dd className="text-2xl font-semibold text-slate-900 tabular-nums" data-testid="imbalance-before">
          {formatImbalance(run.imbalanceBefore)}
        </dd>
      </dl>
      <span aria-hidden="true" className="pb-1 text-xl text-slate-300">
        →
      </span>
      <dl>
        <dt className="text-xs text-slate-500">After the moves</dt>
        <dd className="text-2xl font-semibold text-emerald-700 tabular-nums" data-testid="imbalance-after">
          {formatImbalance(run.imbalanceAfter)}
        </dd>
      </dl>
      <p className="pb-1 text-xs text-slate-500">
        {gain > 0 ? (
          <>
            expected gain <span className="font-semibold text-emerald-700">−{formatImbalance(gain)}</span>
          </>
        ) : (
          'no gain available'
        )}
      </p>
    </div>
  );
}

/** The newest balancing run: imbalance, per-host load before and after its plan, and its moves. */
export function LatestRun({ run, policy }: { run: RunDto; policy: PolicyDto }) {
  const { toast } = useToast();
  const permission = usePermission('vm.migrate');
  const applyAll = useApplyAll();
  const { data: migrations } = useQuery(migrationQueries.list());
  const pending = run.recommendations.filter((r) => r.state === 'pending');
  const byTask = new Map((migrations ?? []).filter((m) => m.taskId).map((m) => [m.taskId!, m]));

  const doApplyAll = () =>
    applyAll.mutate(undefined, {
      onSuccess: ({ applied, failed }) =>
        toast({
          tone: failed.length ? 'error' : 'success',
          title: `${applied.length} migration${applied.length === 1 ? '' : 's'} started`,
          description: failed.length ? failed.map((f) => f.error).join('; ') : undefined,
        }),
    });

  return (
    <Card data-testid="latest-run">
      <CardHeader
        title="Latest run"
        description={`${formatDateTime(run.at)} · ${run.trigger === 'manual' ? 'run by hand' : 'scheduled'} · planned in ${formatDuration(run.durationMs)}`}
        actions={
          pending.length > 0 && (
            <Button
              variant="primary"
              size="sm"
              onClick={doApplyAll}
              loading={applyAll.isPending}
              disabled={!permission.allowed}
              disabledReason={permission.reason}
            >
              Apply all ({pending.length})
            </Button>
          )
        }
      />
      <Imbalance run={run} />
      <div className="grid grid-cols-2 gap-x-6 gap-y-3 border-t border-slate-100 px-4 py-3" data-testid="host-loads">
        {run.hostsBefore.map((b) => {
          const a = run.hostsAfter.find((h) => h.hostId === b.hostId) ?? b;
          return (
            <div key={b.hostId} className="space-y-1.5">
              <h3 className="text-xs font-semibold text-slate-800">{b.name}</h3>
              <BeforeAfterBar label="CPU" before={b.cpuPct} after={a.cpuPct} threshold={policy.cpuThresholdPct} />
              <BeforeAfterBar label="Memory" before={b.memPct} after={a.memPct} threshold={policy.memThresholdPct} />
            </div>
          );
        })}
      </div>
      <div className="border-t border-slate-100">
        <h3 className="px-4 pt-3 text-xs font-semibold text-slate-800">
          Recommendations <span className="font-normal text-slate-500">· load shown before → after the whole plan</span>
        </h3>
        {run.recommendations.length === 0 ? (
          <EmptyState
            title="Nothing to move"
            description="No move lowers the imbalance enough to be worth a migration, within capacity, rules and cooldowns."
          />
        ) : (
          <ul className="divide-y divide-slate-100">
            {run.recommendations.map((r) => (
              <RecommendationRow
                key={r.id}
                rec={r}
                before={run.hostsBefore}
                after={run.hostsAfter}
                cpuThreshold={policy.cpuThresholdPct}
                migration={r.taskId ? byTask.get(r.taskId) : undefined}
              />
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}
