import 'server-only';
import { db } from '@/lib/db/client';
import { byDate, inChunks } from '@/lib/db/in-chunks';
import type { LagSampleDto } from './dto';
import { lagSeries } from './status';

// The lag series of each job over [from, now] (status.ts); a point merged away by keep-N leaves
// its run without a takenAt: the run's start stands in (a little earlier: the lag shown is never
// smaller than it was). Reverse runs (failback) make no replica point: they are not lag.
export async function lagByJob(jobIds: string[], from: Date, now = new Date()): Promise<Map<string, LagSampleDto[]>> {
  const runs = await inChunks(
    jobIds,
    (chunk) =>
      db().replicationRun.findMany({
        where: { jobId: { in: chunk }, direction: 'forward', status: 'succeeded', finishedAt: { gte: from } },
      }),
    byDate((r) => r.finishedAt!),
  );
  const before = await Promise.all(
    jobIds.map((jobId) =>
      db().replicationRun.findFirst({
        where: { jobId, direction: 'forward', status: 'succeeded', finishedAt: { lt: from } },
        orderBy: { finishedAt: 'desc' },
      }),
    ),
  );
  const all = [...before.flatMap((r) => r ?? []), ...runs];
  const pointIds = all.flatMap((r) => (r.pointId ? [r.pointId] : []));
  const points = await inChunks(pointIds, (chunk) =>
    db().replicaPoint.findMany({ where: { id: { in: chunk } }, select: { id: true, takenAt: true } }),
  );
  const takenAt = new Map(points.map((p) => [p.id, p.takenAt]));
  return new Map(
    jobIds.map((jobId) => [
      jobId,
      lagSeries(
        all
          .filter((r) => r.jobId === jobId && r.finishedAt)
          .map((r) => ({ finishedAt: r.finishedAt!, takenAt: takenAt.get(r.pointId ?? '') ?? r.startedAt })),
        from,
        now,
      ),
    ]),
  );
}
