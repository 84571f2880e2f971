'use client';
import { useQuery } from '@tanstack/react-query';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { BalanceIcon, RefreshIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { QueryError } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import { useToast } from '@/components/ui/toast';
import { formatRelativeTime } from '@/lib/format';
import { balancerQueries, useRunBalancer } from '@/lib/queries/balancer';
import { BalancerCharts } from './balancer-charts';
import { ModeBadge } from './balancer-bits';
import { LatestRun } from './latest-run';
import { PolicyForm } from './policy-form';

/** /balancer: policy, "Run now", the latest recommendations and the history charts. */
export function BalancerPage() {
  const { toast } = useToast();
  const policy = useQuery(balancerQueries.policy());
  const runs = useQuery(balancerQueries.runs());
  const permission = usePermission('vm.migrate');
  const runNow = useRunBalancer();
  const latest = runs.data?.runs[0];

  const run = () =>
    runNow.mutate(undefined, {
      onSuccess: (r) =>
        toast({
          tone: 'success',
          title: 'Balancer run finished',
          description: r.recommendations.length
            ? `${r.recommendations.length} move${r.recommendations.length === 1 ? '' : 's'} recommended.`
            : 'The cluster is balanced: nothing to move.',
        }),
    });

  return (
    <>
      <PageHeader
        title="Load balancer"
        meta={policy.data && <ModeBadge mode={policy.data.mode} />}
        description={`Evens out host load by live-migrating VMs, from each VM's smoothed recent demand.${policy.data?.lastRunAt ? ` Last run ${formatRelativeTime(policy.data.lastRunAt)}.` : ''}`}
        actions={
          <Button
            variant="primary"
            icon={<RefreshIcon />}
            onClick={run}
            loading={runNow.isPending}
            disabled={!permission.allowed}
            disabledReason={permission.reason}
          >
            Run now
          </Button>
        }
      />
      {policy.isError ? (
        <QueryError error={policy.error} what="the balancer policy" onRetry={() => void policy.refetch()} />
      ) : !policy.data || !runs.data ? (
        <Skeleton className="h-96" />
      ) : (
        <div className="space-y-5">
          <div className="grid grid-cols-1 items-start gap-5 lg:grid-cols-2">
            {latest ? (
              <LatestRun run={latest} policy={policy.data} />
            ) : (
              <Card>
                <EmptyState
                  icon={<BalanceIcon />}
                  title="No balancing run yet"
                  description="Run now to see which moves would even out the hosts; nothing moves until you apply them (or the mode is automatic)."
                />
              </Card>
            )}
            <PolicyForm key={policy.data.updatedAt} policy={policy.data} />
          </div>
          {runs.data.runs.length > 0 && <BalancerCharts runs={runs.data.runs} policy={policy.data} />}
        </div>
      )}
    </>
  );
}
