import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { alreadyExists, errorMessage, invalidInput, noSuchObject, repositoryUnavailable } from '@/lib/errors';
import type { BackupRepositoryDto } from './dto';
import { getRepository } from './queries';
import { checkRepositoryNow, probeRepository, repositoryAgents, type RepositoryCheck } from './repository-check';
import { assertRepositoryPlace } from './repository-rules';
import type { CreateRepository, UpdateRepository } from './schemas';

// Registers a directory as a repository (docs/ARCHITECTURE.md, "Repository rules"): the path
// (already normalised, not a system tree: the schema) must not overlap pools, images or other
// repositories; every agent that reaches it checks it against its own dirs (create:false), then
// one checks and creates it; the path is stored as that agent resolved it, checked again.
export async function createRepository(user: SessionUser, input: CreateRepository): Promise<BackupRepositoryDto> {
  const target = { type: 'backup-repository', id: null, name: input.name };
  await authorize(user, 'repository.manage', target, 'repository.create');
  if (await db().backupRepository.findUnique({ where: { name: input.name } }))
    throw alreadyExists('backup repository', input.name);
  if (input.hostId && !(await db().host.findUnique({ where: { id: input.hostId } })))
    throw noSuchObject('host', input.hostId);
  let checked: { check: RepositoryCheck; resolved: string; by: string[] };
  try {
    checked = await checkNewPlace(input);
  } catch (err) {
    await recordAudit({
      actor: actorOf(user),
      action: 'repository.create',
      target,
      result: 'failed',
      detail: { path: input.path, error: errorMessage(err) },
    });
    throw err;
  }
  const { check, resolved, by } = checked;
  const repo = await db().backupRepository.create({
    data: {
      name: input.name,
      kind: input.kind,
      hostId: input.hostId,
      path: resolved,
      status: check.status,
      lastError: check.error,
      totalBytes: BigInt(check.totalBytes),
      freeBytes: BigInt(check.freeBytes),
      usedBytes: BigInt(check.usedBytes),
      checkedAt: new Date(),
    },
  });
  await db().repositoryUsageSample.create({
    data: { repositoryId: repo.id, usedBytes: BigInt(check.usedBytes), freeBytes: BigInt(check.freeBytes) },
  });
  await recordAudit({
    actor: actorOf(user),
    action: 'repository.create',
    target: { type: 'backup-repository', id: repo.id, name: repo.name },
    result: 'succeeded',
    detail: {
      kind: repo.kind,
      hostId: repo.hostId,
      path: repo.path,
      typedPath: input.path,
      status: check.status,
      freeBytes: check.freeBytes,
      checkedBy: by,
    },
  });
  return getRepository(repo.id);
}

async function checkNewPlace(
  input: CreateRepository,
): Promise<{ check: RepositoryCheck; resolved: string; by: string[] }> {
  await assertRepositoryPlace(input.path);
  const agents = await repositoryAgents(input);
  if (!agents.length) throw repositoryUnavailable(input.name, 'no host is online to reach it');
  // Each host's own rules first (create:false), so nothing is created when any of them refuses.
  let check: RepositoryCheck | null = null;
  for (const [i, agent] of agents.entries()) {
    const last = i === agents.length - 1;
    const c = await probeRepository(input, { agent, create: last && input.create });
    if (c.unreachable) throw repositoryUnavailable(input.name, c.error ?? 'no agent answered');
    if (c.refused || (last && c.status === 'unavailable'))
      throw invalidInput({ path: [c.error ?? 'The directory cannot be used'] }, `Cannot use ${input.path}: ${c.error}`);
    check = c;
  }
  const resolved = check!.resolvedPath ?? input.path;
  await assertRepositoryPlace(input.path, resolved);
  return { check: check!, resolved, by: agents.map((a) => a.hostName) };
}

export async function updateRepository(
  user: SessionUser,
  id: string,
  input: UpdateRepository,
): Promise<BackupRepositoryDto> {
  const repo = await db().backupRepository.findUnique({ where: { id } });
  await authorize(user, 'repository.manage', { type: 'backup-repository', id, name: repo?.name }, 'repository.update');
  if (!repo) throw noSuchObject('backup repository', id);
  if (input.name && input.name !== repo.name) {
    if (await db().backupRepository.findUnique({ where: { name: input.name } }))
      throw alreadyExists('backup repository', input.name);
    await db().backupRepository.update({ where: { id }, data: { name: input.name } });
  }
  const check = input.recheck ? await checkRepositoryNow(repo) : null;
  await recordAudit({
    actor: actorOf(user),
    action: 'repository.update',
    target: { type: 'backup-repository', id, name: input.name ?? repo.name },
    result: 'succeeded',
    detail: { ...input, status: check?.status },
  });
  return getRepository(id);
}
