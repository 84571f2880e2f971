import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { alreadyExists, conflict, invalidInput, noSuchObject, repositoryUnavailable } from '@/lib/errors';
import type { BackupRepositoryDto } from './dto';
import { getRepository } from './queries';
import { checkRepositoryNow } from './repository-check';
import type { CreateRepository, UpdateRepository } from './schemas';

// Registers a directory as a repository after an agent has checked it (and created it when
// asked): a path that does not exist or is not writable is refused on the path field.
export async function createRepository(user: SessionUser, input: CreateRepository): Promise<BackupRepositoryDto> {
  await authorize(user, 'repository.manage', { type: 'backup-repository', id: null, name: input.name }, 'repository.create');
  if (await db().backupRepository.findUnique({ where: { name: input.name } })) throw alreadyExists('backup repository', input.name);
  if (input.hostId && !(await db().host.findUnique({ where: { id: input.hostId } }))) throw noSuchObject('host', input.hostId);
  const repo = await db().backupRepository.create({ data: { name: input.name, kind: input.kind, hostId: input.hostId, path: input.path } });
  const check = await checkRepositoryNow(repo, { create: input.create });
  if (check.status === 'unavailable') {
    await db().backupRepository.delete({ where: { id: repo.id } });
    await recordAudit({ actor: actorOf(user), action: 'repository.create', target: { type: 'backup-repository', id: null, name: input.name }, result: 'failed', detail: { path: input.path, error: check.error } });
    if (check.unreachable) throw repositoryUnavailable(input.name, check.error ?? 'no agent answered');
    throw invalidInput({ path: [check.error ?? 'The directory cannot be used'] }, `Cannot use ${input.path}: ${check.error}`);
  }
  await recordAudit({
    actor: actorOf(user),
    action: 'repository.create',
    target: { type: 'backup-repository', id: repo.id, name: repo.name },
    result: 'succeeded',
    detail: { kind: repo.kind, hostId: repo.hostId, path: repo.path, status: check.status, freeBytes: check.freeBytes },
  });
  return getRepository(repo.id);
}

export async function updateRepository(user: SessionUser, id: string, input: UpdateRepository): Promise<BackupRepositoryDto> {
  const repo = await db().backupRepository.findUnique({ where: { id } });
  await authorize(user, 'repository.manage', { type: 'backup-repository', id, name: repo?.name }, 'repository.update');
  if (!repo) throw noSuchObject('backup repository', id);
  if (input.name && input.name !== repo.name) {
    if (await db().backupRepository.findUnique({ where: { name: input.name } })) throw alreadyExists('backup repository', input.name);
    await db().backupRepository.update({ where: { id }, data: { name: input.name } });
  }
  const check = input.recheck ? await checkRepositoryNow(repo) : null;
  await recordAudit({ actor: actorOf(user), action: 'repository.update', target: { type: 'backup-repository', id, name: input.name ?? repo.name }, result: 'succeeded', detail: { ...input, status: check?.status } });
  return getRepository(id);
}

// Points keep their files in the repository, so one still holding points (or used by a job) stays.
export async function deleteRepository(user: SessionUser, id: string): Promise<void> {
  const repo = await db().backupRepository.findUnique({ where: { id } });
  await authorize(user, 'repository.manage', { type: 'backup-repository', id, name: repo?.name }, 'repository.delete');
  if (!repo) throw noSuchObject('backup repository', id);
  const [jobs, points] = await Promise.all([db().backupJob.count({ where: { repositoryId: id } }), db().restorePoint.count({ where: { repositoryId: id } })]);
  if (jobs || points) throw conflict(`Repository ${repo.name} is used by ${jobs} job(s) and holds ${points} restore point(s); delete those first`, { jobs, points });
  await db().backupRepository.delete({ where: { id } });
  await recordAudit({ actor: actorOf(user), action: 'repository.delete', target: { type: 'backup-repository', id, name: repo.name }, result: 'succeeded', detail: { path: repo.path } });
}
