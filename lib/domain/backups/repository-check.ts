import 'server-only';
import { db } from '@/lib/db/client';
import type { AgentClient } from '@/lib/agent-client';
import type { BackupRepository } from '@/lib/generated/prisma/client';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { agentFor } from '@/lib/domain/hosts/agents';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { AppError, errorMessage, repositoryUnavailable, storageFull } from '@/lib/errors';
import type { RepositoryStatus } from './dto';

// Below this much free space a repository is "full": a backup would likely fail half-way.
export const FULL_BELOW_BYTES = 256 * 1024 ** 2;

// An agent that can reach the repository: its own host for kind=host; for a shared one the
// preferred host (the VM's) if online, else any online host.
export async function repositoryAgent(repo: BackupRepository, preferHostId?: string): Promise<AgentClient> {
  if (repo.kind === 'host') return agentFor(repo.hostId!);
  const hosts = await db().host.findMany({ orderBy: { name: 'asc' } });
  const online = hosts.filter((h) => effectiveStatus(h) === HOST_STATUS.online);
  const host = online.find((h) => h.id === preferHostId) ?? online[0];
  if (!host) throw repositoryUnavailable(repo.name, 'no host is online to reach it');
  return agentFor(host.id);
}

// unreachable: no agent could be asked (503), as opposed to an agent saying the path is unusable.
export type RepositoryCheck = { status: RepositoryStatus; error: string | null; unreachable: boolean; totalBytes: number; freeBytes: number; usedBytes: number };

// Asks an agent (statfs + bytes under the path), stores the outcome on the row and as a usage
// sample. Never throws for an unreachable repository: that is its status.
export async function checkRepositoryNow(repo: BackupRepository, opts: { create?: boolean; preferHostId?: string } = {}): Promise<RepositoryCheck> {
  let check: RepositoryCheck;
  try {
    const agent = await repositoryAgent(repo, opts.preferHostId);
    const r = await agent.checkRepository({ path: repo.path, create: opts.create ?? false });
    const error = !r.exists ? `${repo.path} does not exist on ${agent.hostName}` : !r.writable ? `${repo.path} is not writable on ${agent.hostName}` : null;
    const status: RepositoryStatus = error ? 'unavailable' : r.freeBytes < FULL_BELOW_BYTES ? 'full' : 'ok';
    check = { status, error: error ?? (status === 'full' ? `only ${r.freeBytes} bytes free` : null), unreachable: false, totalBytes: r.totalBytes, freeBytes: r.freeBytes, usedBytes: r.usedBytes };
  } catch (err) {
    check = { status: 'unavailable', error: errorMessage(err), unreachable: true, totalBytes: Number(repo.totalBytes), freeBytes: Number(repo.freeBytes), usedBytes: Number(repo.usedBytes) };
  }
  await db().backupRepository.update({
    where: { id: repo.id },
    data: { status: check.status, lastError: check.error, totalBytes: BigInt(check.totalBytes), freeBytes: BigInt(check.freeBytes), usedBytes: BigInt(check.usedBytes), checkedAt: new Date() },
  });
  if (check.status !== 'unavailable') await db().repositoryUsageSample.create({ data: { repositoryId: repo.id, usedBytes: BigInt(check.usedBytes), freeBytes: BigInt(check.freeBytes) } });
  return check;
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
