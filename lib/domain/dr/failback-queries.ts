import 'server-only';
import { db } from '@/lib/db/client';
import type { ReplicationJob } from '@/lib/generated/prisma/client';
import type { DrFailbackDto } from './dto';

// Where a failback stands, for DrJobDto.failback: the reverse runs since the failover.

type Totals = { runs: number; bytesSent: number; bytesPulled: number };
export type ReverseTotals = Map<string, Totals>; // by job id

type FailbackJob = Pick<ReplicationJob, 'id' | 'state' | 'failoverPointId' | 'failedOverAt' | 'reverseBaseId'>;

// Succeeded reverse runs of each failed-over (or failing-back) job since its failover.
export async function reverseTotals(jobs: FailbackJob[]): Promise<ReverseTotals> {
  const since = jobs.flatMap((j) => (j.failedOverAt ? [{ jobId: j.id, startedAt: { gte: j.failedOverAt } }] : []));
  if (!since.length) return new Map();
  const sums = await db().replicationRun.groupBy({
    by: ['jobId'],
    where: { direction: 'reverse', status: 'succeeded', OR: since },
    _count: { _all: true },
    _sum: { bytesSent: true, bytesPulled: true },
  });
  return new Map(
    sums.map((r) => [
      r.jobId,
      { runs: r._count._all, bytesSent: Number(r._sum.bytesSent ?? 0), bytesPulled: Number(r._sum.bytesPulled ?? 0) },
    ]),
  );
}

// fullCopyBytes: the disk's virtual size ("N bytes sent against a full copy of M").
export function toFailbackDto(j: FailbackJob, fullCopyBytes: number, totals: Totals | undefined): DrFailbackDto | null {
  if (j.state === 'active') return null;
  const r = totals ?? { runs: 0, bytesSent: 0, bytesPulled: 0 };
  return {
    failoverPointId: j.failoverPointId,
    failedOverAt: j.failedOverAt?.toISOString() ?? null,
    reverseBaseId: j.reverseBaseId,
    reverseRuns: r.runs,
    bytesSent: r.bytesSent,
    bytesPulled: r.bytesPulled,
    fullCopyBytes,
    canStart: j.state === 'failed-over' && j.failoverPointId !== null,
    canComplete: j.state === 'failing-back' && j.reverseBaseId !== null,
  };
}
