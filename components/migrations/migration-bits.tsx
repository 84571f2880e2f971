import Link from 'next/link';
import { Badge, StateBadge } from '@/components/ui/badge';
import type {
  MigrationDto,
  MigrationMode,
  MigrationPhase,
  MigrationReason,
  MigrationState,
} from '@/lib/domain/migrations/dto';
import { formatBytesPerSec, formatCompact } from '@/lib/format';

export const REASON_LABELS: Record<MigrationReason, string> = {
  manual: 'Manual',
  balancer: 'Load balancer',
  maintenance: 'Maintenance',
  failover: 'Failover',
};

export const MODE_LABELS: Record<MigrationMode, { label: string; description: string }> = {
  shared: { label: 'Shared disk', description: 'The disk stays on shared storage; only memory moves.' },
  storage: {
    label: 'Disk + memory',
    description:
      'The target serves an empty disk over NBD, the source mirrors its disk into it while the VM runs, then memory moves. The source disk is removed only after success.',
  },
};

export const PHASE_LABELS: Record<MigrationPhase, string> = {
  preparing: 'Preparing target',
  mirror: 'Storage mirror',
  memory: 'Memory',
  completing: 'Switch-over',
  finishing: 'Starting on target',
};

// x86 guests dirty memory in 4 KiB pages; QEMU reports the rate in pages per second.
const PAGE_BYTES = 4096;

export function formatDirtyRate(pagesPerSec: number): string {
  return `${formatCompact(pagesPerSec)} pages/s (${formatBytesPerSec(pagesPerSec * PAGE_BYTES)})`;
}

export function MigrationStateBadge({ state }: { state: MigrationState }) {
  return (
    <StateBadge
      state={state}
      tone={state === 'running' ? 'blue' : undefined}
      label={state === 'running' ? 'Migrating' : undefined}
      data-testid="migration-state"
    />
  );
}

export function ReasonBadge({ reason }: { reason: MigrationReason }) {
  return (
    <Badge
      tone={
        reason === 'failover' ? 'red' : reason === 'maintenance' ? 'amber' : reason === 'balancer' ? 'accent' : 'gray'
      }
    >
      {REASON_LABELS[reason]}
    </Badge>
  );
}

function HostLink({ id, name }: { id: string; name: string }) {
  if (!name)
    return (
      <span className="text-slate-500" title={id}>
        removed host
      </span>
    );
  return (
    <Link href={`/hosts/${id}`} className="font-medium text-slate-800 hover:text-accent-700 hover:underline">
      {name}
    </Link>
  );
}

/** "h1 → h2" with links. */
export function MigrationRoute({
  m,
}: {
  m: Pick<MigrationDto, 'sourceHostId' | 'sourceHostName' | 'targetHostId' | 'targetHostName'>;
}) {
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap">
      <HostLink id={m.sourceHostId} name={m.sourceHostName} />
      <span aria-hidden="true" className="text-slate-400">
        →
      </span>
      <span className="sr-only">to</span>
      <HostLink id={m.targetHostId} name={m.targetHostName} />
    </span>
  );
}
