'use client';
import Link from 'next/link';
import { usePermission } from '@/components/auth/current-user';
import { BeforeAfterBar } from '@/components/charts/before-after-bar';
import { MigrationRoute, MigrationStateBadge } from '@/components/migrations/migration-bits';
import { migrationRatio } from '@/components/migrations/migration-rules';
import { Button } from '@/components/ui/button';
import { ProgressBar } from '@/components/ui/progress-bar';
import type { HostLoadDto, RecommendationDto } from '@/lib/domain/balancer/dto';
import type { MigrationDto } from '@/lib/domain/migrations/dto';
import { formatDuration } from '@/lib/format';
import { useApplyRecommendation } from '@/lib/queries/balancer';
import { formatImbalance, RecommendationStateBadge } from './balancer-bits';

function HostShift({
  role,
  hostId,
  before,
  after,
  cpuThreshold,
}: {
  role: string;
  hostId: string;
  before: HostLoadDto[];
  after: HostLoadDto[];
  cpuThreshold: number;
}) {
  const b = before.find((h) => h.hostId === hostId);
  const a = after.find((h) => h.hostId === hostId);
  if (!b || !a) return null;
  return (
    <BeforeAfterBar
      label={`${role} ${b.name}`}
      before={b.cpuPct}
      after={a.cpuPct}
      threshold={cpuThreshold}
      detail={`CPU shown · memory ${Math.round(b.memPct)}% → ${Math.round(a.memPct)}%`}
    />
  );
}

/** One proposed move: where from and to, what it does to both hosts, the gain, and Apply. */
export function RecommendationRow({
  rec,
  before,
  after,
  cpuThreshold,
  migration,
}: {
  rec: RecommendationDto;
  before: HostLoadDto[];
  after: HostLoadDto[];
  cpuThreshold: number;
  migration: MigrationDto | undefined;
}) {
  const apply = useApplyRecommendation();
  const permission = usePermission('vm.migrate');
  return (
    <li data-testid="recommendation" data-state={rec.state} className="space-y-2 px-4 py-3">
      <div className="flex items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="flex flex-wrap items-baseline gap-x-2 text-sm">
            <Link href={`/vms/${rec.vmId}`} className="truncate font-medium text-slate-900 hover:text-accent-700">
              {rec.vmName}
            </Link>
            <span className="text-xs text-slate-500">
              <MigrationRoute m={rec} />
            </span>
          </p>
          <p className="mt-0.5 text-xs text-slate-600 tabular-nums">
            Gain{' '}
            <span className="font-semibold text-emerald-700" data-testid="recommendation-gain">
              −{formatImbalance(rec.gain)}
            </span>{' '}
            imbalance
            <span className="text-slate-400"> · </span>about {formatDuration(rec.cost * 1000)} to migrate
          </p>
        </div>
        <div className="flex w-32 shrink-0 flex-col items-end gap-1">
          {rec.state === 'pending' ? (
            <Button
              size="sm"
              variant="primary"
              loading={apply.isPending}
              disabled={!permission.allowed}
              disabledReason={permission.reason}
              onClick={() => apply.mutate(rec.id)}
            >
              Apply
            </Button>
          ) : migration ? (
            <>
              <MigrationStateBadge state={migration.state} />
              {migration.state === 'running' && (
                <ProgressBar value={migrationRatio(migration)} label={`Migration of ${rec.vmName}`} size="sm" striped />
              )}
            </>
          ) : (
            <RecommendationStateBadge state={rec.state} />
          )}
        </div>
      </div>
      <div className="grid grid-cols-2 gap-4">
        <HostShift role="From" hostId={rec.sourceHostId} before={before} after={after} cpuThreshold={cpuThreshold} />
        <HostShift role="To" hostId={rec.targetHostId} before={before} after={after} cpuThreshold={cpuThreshold} />
      </div>
    </li>
  );
}
