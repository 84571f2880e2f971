import 'server-only';
import { db } from '@/lib/db/client';
import type { AgentClient } from '@/lib/agent-client';
import type { BackupRepository } from '@/lib/generated/prisma/client';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { agentFor } from '@/lib/domain/hosts/agents';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { AppError, errorMessage, invalidInput, repositoryUnavailable, storageFull } from '@/lib/errors';
import type { RepositoryStatus } from './dto';

// Below this much free space a repository is "full": a backup would likely fail half-way.
export const FULL_BELOW_BYTES = 256 * 1024 ** 2;

type RepositoryPlace = Pick<BackupRepository, 'name' | 'kind' | 'hostId' | 'path'>;

async function onlineHosts() {
  return (await db().host.findMany({ orderBy: { name: 'asc' } })).filter(
    (h) => effectiveStatus(h) === HOST_STATUS.online,
  );
}

// An agent that can reach the repository: its own host for kind=host; for a shared one the
// preferred host (the VM's) if online, else any online host.
export async function repositoryAgent(repo: RepositoryPlace, preferHostId?: string): Promise<AgentClient> {
  if (repo.kind === 'host') return agentFor(repo.hostId!);
  const online = await onlineHosts();
  const host = online.find((h) => h.id === preferHostId) ?? online[0];
  if (!host) throw repositoryUnavailable(repo.name, 'no host is online to reach it');
  return agentFor(host.id);
}

// Every agent that reaches the repository: the host for kind=host, every online host for a
// shared one (each refuses a path overlapping its own pools, images or data dir).
export async function repositoryAgents(repo: RepositoryPlace): Promise<AgentClient[]> {
  if (repo.kind === 'host') return [await agentFor(repo.hostId!)];
  return Promise.all((await onlineHosts()).map((h) => agentFor(h.id)));
}

// unreachable: no agent could be asked (503), as opposed to an agent saying the path is unusable
// (refused: 422 from the agent's own rules). resolvedPath: the path as the agent resolved it.
export type RepositoryCheck = {
  status: RepositoryStatus;
  error: string | null;
  unreachable: boolean;
  refused: boolean;
  resolvedPath: string | null;
  totalBytes: number;
  freeBytes: number;
  usedBytes: number;
};

// The reason an agent refused a path (its 422 on `path`), else null.
export function agentRefusal(err: unknown): string | null {
  return invalidInput.is(err)
    ? ((err.data?.fields as Record<string, string[]> | undefined)?.path?.[0] ?? err.message)
    : null;
}

// Asks an agent (statfs + bounded bytes under the path). Never throws for an unreachable or
// refused repository: that is its status.
export async function probeRepository(
  repo: RepositoryPlace,
  opts: { create?: boolean; preferHostId?: string; agent?: AgentClient } = {},
): Promise<RepositoryCheck> {
  const none = { totalBytes: 0, freeBytes: 0, usedBytes: 0, resolvedPath: null };
  try {
    const agent = opts.agent ?? (await repositoryAgent(repo, opts.preferHostId));
    const r = await agent.checkRepository({ path: repo.path, create: opts.create ?? false }).catch((err: unknown) => {
      const refusal = agentRefusal(err);
      if (refusal) return { refusal: `${refusal} (on ${agent.hostName})` };
      throw err;
    });
    if ('refusal' in r) return { status: 'unavailable', error: r.refusal, unreachable: false, refused: true, ...none };
    const error = !r.exists
      ? `${repo.path} does not exist on ${agent.hostName}`
      : !r.writable
        ? `${repo.path} is not writable on ${agent.hostName}`
        : null;
    const status: RepositoryStatus = error ? 'unavailable' : r.freeBytes < FULL_BELOW_BYTES ? 'full' : 'ok';
    const usage = { totalBytes: r.totalBytes, freeBytes: r.freeBytes, usedBytes: r.usedBytes };
    return {
      status,
      error: error ?? (status === 'full' ? `only ${r.freeBytes} bytes free` : null),
      unreachable: false,
      refused: false,
      resolvedPath: r.resolvedPath,
      ...usage,
    };
  } catch (err) {
    return { status: 'unavailable', error: errorMessage(err), unreachable: true, refused: false, ...none };
  }
}

// Checks a registered repository and stores the outcome on the row and as a usage sample. The
// path was stored resolved: resolving elsewhere now (a symlink swapped in) makes it unavailable.
export async function checkRepositoryNow(
  repo: BackupRepository,
  opts: { preferHostId?: string } = {},
): Promise<RepositoryCheck> {
  let check = await probeRepository(repo, opts);
  if (check.resolvedPath !== null && check.resolvedPath !== repo.path) {
    check = {
      ...check,
      status: 'unavailable',
      refused: true,
      error: `${repo.path} now resolves to ${check.resolvedPath}; register that directory instead`,
    };
  }
  const kept =
    check.unreachable || check.refused
      ? { totalBytes: Number(repo.totalBytes), freeBytes: Number(repo.freeBytes), usedBytes: Number(repo.usedBytes) }
      : check;
  await db().backupRepository.update({
    where: { id: repo.id },
    data: {
      status: check.status,
      lastError: check.error,
      totalBytes: BigInt(kept.totalBytes),
      freeBytes: BigInt(kept.freeBytes),
      usedBytes: BigInt(kept.usedBytes),
      checkedAt: new Date(),
    },
  });
  if (check.status !== 'unavailable')
    await db().repositoryUsageSample.create({
      data: { repositoryId: repo.id, usedBytes: BigInt(check.usedBytes), freeBytes: BigInt(check.freeBytes) },
    });
  return { ...check, ...kept };
}

// The coded error a run reports for a repository it cannot use (507 full, 503 unreachable).
export function repositoryError(repo: BackupRepository, check: RepositoryCheck): AppError | null {
  if (check.status === 'full') return storageFull(`backup repository ${repo.name}`, FULL_BELOW_BYTES, check.freeBytes);
  if (check.status === 'unavailable') return repositoryUnavailable(repo.name, check.error ?? 'unknown reason');
  return null;
}

export async function sampleAllRepositories(): Promise<void> {
  for (const repo of await db().backupRepository.findMany()) await checkRepositoryNow(repo);
}
