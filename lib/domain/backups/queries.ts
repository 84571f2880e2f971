import 'server-only';
import { db } from '@/lib/db/client';
import { inChunks } from '@/lib/db/in-chunks';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { noSuchObject } from '@/lib/errors';
import { toPage, type Page } from '@/lib/http/pagination';
import {
  USAGE_RANGES,
  type BackupJobDto,
  type BackupRepositoryDto,
  type BackupRunDto,
  type RepositoryUsageDto,
  type RestorePointDto,
  type UsageRange,
} from './dto';
import { toJobDto, toPointDto, toRepositoryDto, toRunDto } from './mappers';
import { pointOrder, pointWhere, POINT_SORT_KEY_SELECT, type PointSortKey } from './point-list';
import type { RestorePointsQuery } from './schemas';
import { matchVms, parseSelector } from './selector';

export const JOB_TARGET = 'backup-job';

async function repositoryDtos(where: { id?: string }): Promise<BackupRepositoryDto[]> {
  const rows = await db().backupRepository.findMany({ where, orderBy: { name: 'asc' } });
  const hosts = new Map((await db().host.findMany({ select: { id: true, name: true } })).map((h) => [h.id, h.name]));
  const jobs = await db().backupJob.groupBy({ by: ['repositoryId'], _count: true });
  const points = await db().restorePoint.groupBy({ by: ['repositoryId'], _count: true, _sum: { sizeBytes: true } });
  const count = (list: { repositoryId: string | null; _count: number }[], id: string) =>
    list.find((x) => x.repositoryId === id)?._count ?? 0;
  const bytes = (id: string) => Number(points.find((x) => x.repositoryId === id)?._sum.sizeBytes ?? 0);
  return rows.map((r) =>
    toRepositoryDto(r, r.hostId ? (hosts.get(r.hostId) ?? null) : null, {
      jobs: count(jobs, r.id),
      points: count(points, r.id),
      pointBytes: bytes(r.id),
    }),
  );
}

export const listRepositories = () => repositoryDtos({});

export async function getRepository(id: string): Promise<BackupRepositoryDto> {
  const [r] = await repositoryDtos({ id });
  if (!r) throw noSuchObject('backup repository', id);
  return r;
}

export async function repositoryUsage(id: string, range: UsageRange): Promise<RepositoryUsageDto> {
  if (!(await db().backupRepository.findUnique({ where: { id } }))) throw noSuchObject('backup repository', id);
  const since = new Date(Date.now() - USAGE_RANGES[range] * 1000);
  const rows = await db().repositoryUsageSample.findMany({
    where: { repositoryId: id, at: { gte: since } },
    orderBy: { at: 'asc' },
  });
  return {
    range,
    points: rows.map((r) => ({ t: r.at.getTime(), usedBytes: Number(r.usedBytes), freeBytes: Number(r.freeBytes) })),
  };
}

// VMs as the selector sees them (tags parsed).
export async function selectableVms() {
  const rows = await db().vm.findMany({ orderBy: { name: 'asc' }, include: { image: true } });
  return rows.map((v) => ({ ...v, tags: JSON.parse(v.tags) as string[] }));
}

export async function activeJobTasks(jobIds: string[]): Promise<Map<string, string>> {
  const tasks = await inChunks(jobIds, (chunk) =>
    db().task.findMany({
      where: {
        targetType: JOB_TARGET,
        targetId: { in: chunk },
        kind: 'backup.run',
        state: { in: [TASK_STATE.queued, TASK_STATE.running] },
      },
      select: { id: true, targetId: true },
    }),
  );
  return new Map(tasks.map((t) => [t.targetId!, t.id]));
}

async function jobDtos(where: { id?: string }): Promise<BackupJobDto[]> {
  const jobs = await db().backupJob.findMany({
    where,
    include: { repository: { select: { name: true } } },
    orderBy: { name: 'asc' },
  });
  const vms = await selectableVms();
  const active = await activeJobTasks(jobs.map((j) => j.id));
  const points = await inChunks(
    jobs.map((j) => j.id),
    (chunk) => db().restorePoint.groupBy({ by: ['jobId'], where: { jobId: { in: chunk } }, _count: true }),
  );
  return Promise.all(
    jobs.map(async (j) => {
      const lastRun = await db().backupRun.findFirst({ where: { jobId: j.id }, orderBy: { startedAt: 'desc' } });
      const resolvedVms = matchVms(parseSelector(j.selector), vms).map((v) => ({ id: v.id, name: v.name }));
      return toJobDto(j, {
        resolvedVms,
        lastRun,
        activeTaskId: active.get(j.id) ?? null,
        pointCount: points.find((p) => p.jobId === j.id)?._count ?? 0,
      });
    }),
  );
}

export const listJobs = () => jobDtos({});

export async function getJob(id: string): Promise<BackupJobDto> {
  const [j] = await jobDtos({ id });
  if (!j) throw noSuchObject('backup job', id);
  return j;
}

export async function listRuns(jobId: string, limit: number): Promise<BackupRunDto[]> {
  if (!(await db().backupJob.findUnique({ where: { id: jobId } }))) throw noSuchObject('backup job', jobId);
  const rows = await db().backupRun.findMany({ where: { jobId }, orderBy: { startedAt: 'desc' }, take: limit });
  return rows.map(toRunDto);
}

// One page of restore points: filtered, sorted, after the cursor's point (keyset on its sort key
// and id, read from its row: it need not match the filters any more, e.g. once verified).
export async function listRestorePoints(q: RestorePointsQuery): Promise<Page<RestorePointDto>> {
  let after: PointSortKey | null = null;
  if (q.cursor) {
    after = await db().restorePoint.findUnique({ where: { id: q.cursor }, select: POINT_SORT_KEY_SELECT });
    if (!after) throw noSuchObject('restore point', q.cursor);
  }
  const { orderBy, keyset } = pointOrder(q, after);
  const rows = await db().restorePoint.findMany({
    where: keyset ? { AND: [pointWhere(q), keyset] } : pointWhere(q),
    orderBy,
    take: q.limit + 1,
  });
  const page = toPage(
    rows,
    q.limit,
    (p) => p.id,
    (p) => p,
  );
  const jobIds = [...new Set(page.items.flatMap((p) => (p.jobId ? [p.jobId] : [])))];
  const jobs = await inChunks(jobIds, (chunk) =>
    db().backupJob.findMany({ where: { id: { in: chunk } }, select: { id: true, name: true } }),
  );
  const names = new Map(jobs.map((j) => [j.id, j.name]));
  return {
    items: page.items.map((p) => toPointDto(p, p.jobId ? (names.get(p.jobId) ?? null) : null)),
    nextCursor: page.nextCursor,
  };
}

export async function getRestorePoint(id: string): Promise<RestorePointDto> {
  const p = await db().restorePoint.findUnique({ where: { id } });
  if (!p) throw noSuchObject('restore point', id);
  const job = p.jobId ? await db().backupJob.findUnique({ where: { id: p.jobId }, select: { name: true } }) : null;
  return toPointDto(p, job?.name ?? null);
}
