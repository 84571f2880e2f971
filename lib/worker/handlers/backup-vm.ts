import 'server-only';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { backupResultSchema } from '@/lib/agent/backup/protocol';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import type { BackupRunVmResult, RestorePointVmSpec } from '@/lib/domain/backups/dto';
import type { RunRecorder } from '@/lib/domain/backups/runs';
import { agentFor } from '@/lib/domain/hosts/agents';
import { AppError, errorMessage } from '@/lib/errors';
import type { BackupJob, BackupRepository, Image, Vm } from '@/lib/generated/prisma/client';
import type { TaskContext } from '../context';

export type BackupVm = Omit<Vm, 'tags'> & { image: Image | null; tags: string[] };

const describe = (err: unknown) => (err instanceof AppError ? `${err.code}: ${err.message}` : errorMessage(err));

export const bitmapName = (jobId: string) => `vmops-${jobId}`;
export const pointFile = (repoPath: string, vmId: string, pointId: string) => path.join(repoPath, vmId, `${pointId}.qcow2`);

function vmSpecOf(vm: BackupVm): RestorePointVmSpec {
  const boot = { kernelPath: vm.image?.kernelPath ?? undefined, initrdPath: vm.image?.initrdPath ?? undefined, append: vm.image?.append ?? undefined };
  return { vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, boot, imageId: vm.imageId, tags: vm.tags };
}

// One VM of a run: the parent is the chain head (newest registered point of this VM and job in
// this repository); the agent decides full vs incremental and says why. The point is registered
// only after the agent reports a complete, checksummed file.
export async function backupOneVm(
  ctx: TaskContext,
  a: { job: BackupJob; repo: BackupRepository; vm: BackupVm; run: RunRecorder; onProgress: (fraction: number) => void },
): Promise<BackupRunVmResult> {
  const { job, repo, vm, run } = a;
  const base = { vmId: vm.id, vmName: vm.name };
  try {
    if (repo.kind === 'host' && repo.hostId !== vm.hostId) {
      const host = await db().host.findUnique({ where: { id: repo.hostId! } });
      throw new AppError('REPOSITORY_UNAVAILABLE', `Repository ${repo.name} is a directory on host ${host?.name ?? repo.hostId}; VM ${vm.name} runs on another host, so it cannot write there`, 503);
    }
    const parent = await db().restorePoint.findFirst({ where: { vmId: vm.id, jobId: job.id, repositoryId: repo.id, kind: { not: 'safety' } }, orderBy: { takenAt: 'desc' } });
    const pointId = `rp-${randomBytes(6).toString('hex')}`;
    const agent = await agentFor(vm.hostId);
    await run.set(vm.id, { state: 'running', pointId, hostId: vm.hostId }); // before the agent writes anything
    const op = await agent.backupVm(vm.id, { pointId, targetDir: path.join(repo.path, vm.id), bitmap: bitmapName(job.id), parent: parent ? { path: parent.filePath } : null });
    await run.set(vm.id, { operationId: op.id });
    await ctx.step(`${vm.name}: backing up on ${agent.hostName}${parent ? ` (parent ${parent.id})` : ' (no previous point: full)'}`);
    const done = await waitForOperation(agent, op.id, (o) => a.onProgress(o.progress));
    const r = backupResultSchema.parse(done.result);
    const incremental = r.kind === 'incremental' && parent;
    await db().restorePoint.create({
      data: {
        id: pointId,
        vmId: vm.id,
        vmName: vm.name,
        jobId: job.id,
        runId: run.run.id,
        repositoryId: repo.id,
        hostId: vm.hostId,
        kind: incremental ? 'incremental' : 'full',
        fullReason: incremental ? null : r.fullReason,
        chainId: incremental ? parent.chainId : pointId,
        parentId: incremental ? parent.id : null,
        filePath: r.path,
        sha256: r.sha256,
        sizeBytes: BigInt(r.sizeBytes),
        virtualSizeBytes: BigInt(r.virtualSizeBytes),
        bytesWritten: BigInt(r.bytesWritten),
        durationMs: Math.round(r.durationMs),
        takenAt: new Date(r.takenAt),
        vmSpec: JSON.stringify(vmSpecOf(vm)),
      },
    });
    await ctx.step(
      `${vm.name}: ${r.kind}${r.fullReason ? ` (${r.fullReason})` : ''}, ${r.bytesWritten} bytes written in ${(r.durationMs / 1000).toFixed(1)} s, sha256 ${r.sha256.slice(0, 12)}…`,
    );
    return { ...base, state: 'succeeded', kind: r.kind, fullReason: r.fullReason, bytesWritten: r.bytesWritten, sizeBytes: r.sizeBytes, durationMs: r.durationMs, pointId, error: null };
  } catch (err) {
    await ctx.step(`${vm.name}: backup failed: ${describe(err)}`, 'error');
    return { ...base, state: 'failed', kind: null, fullReason: null, bytesWritten: 0, sizeBytes: 0, durationMs: 0, pointId: null, error: describe(err) };
  }
}

// A task recovered from a dead worker: a VM still marked running may have an agent operation
// that finished (or still runs) after the worker died. Wait for it, then delete whatever it wrote:
// nothing of this run is registered, and the agent's bitmap sidecar makes the next run full.
export async function discardUnfinished(ctx: TaskContext, repo: BackupRepository, results: BackupRunVmResult[]): Promise<void> {
  for (const r of results.filter((x) => x.state === 'running' && x.pointId && x.hostId)) {
    const file = pointFile(repo.path, r.vmId, r.pointId!);
    try {
      const agent = await agentFor(r.hostId!);
      if (r.operationId) await waitForOperation(agent, r.operationId, undefined, { timeoutMs: 10 * 60_000 }).catch(() => null);
      const { deleted } = await agent.deleteBackupFiles({ paths: [file, `${file}.partial`] });
      await ctx.step(`${r.vmName}: the interrupted backup was not registered; its files are gone (${deleted.join(', ')})`, 'warn');
    } catch (err) {
      await ctx.step(`${r.vmName}: could not remove the unregistered file ${file}: ${errorMessage(err)}`, 'warn');
    }
    Object.assign(r, { state: 'failed', pointId: null, error: 'The worker running this backup stopped before it finished; nothing was registered' });
  }
}
