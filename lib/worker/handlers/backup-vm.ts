import 'server-only';
import path from 'node:path';
import { backupResultSchema, newPointId, type BackupResult } from '@/lib/agent-protocol/backup';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import type { BackupRunVmResult, RestorePointVmSpec } from '@/lib/domain/backups/dto';
import type { RunRecorder } from '@/lib/domain/backups/runs';
import { agentFor } from '@/lib/domain/hosts/agents';
import { AppError, errorMessage } from '@/lib/errors';
import type { BackupJob, BackupRepository, Image, RestorePoint, Vm } from '@/lib/generated/prisma/client';
import type { TaskContext } from '../context';

export type BackupVm = Omit<Vm, 'tags'> & { image: Image | null; tags: string[] };

const describe = (err: unknown) => (err instanceof AppError ? `${err.code}: ${err.message}` : errorMessage(err));

export const bitmapName = (jobId: string) => `vmops-${jobId}`;
export const pointFile = (repoPath: string, vmId: string, pointId: string) =>
  path.join(repoPath, vmId, `${pointId}.qcow2`);

function vmSpecOf(vm: BackupVm): RestorePointVmSpec {
  const boot = {
    kernelPath: vm.image?.kernelPath ?? undefined,
    initrdPath: vm.image?.initrdPath ?? undefined,
    append: vm.image?.append ?? undefined,
  };
  return { vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, boot, imageId: vm.imageId, tags: vm.tags };
}

// One VM of a run: the parent is the chain head (newest registered point of this VM and job in
// this repository); the agent decides full vs incremental and says why, and first removes point
// files no registered restore point references. The agent writes the point's manifest (the VM's
// name and spec come from here) beside its file. The point is registered only after the agent
// reports a complete, checksummed file; a failure once the agent accepted the backup (lost
// operation, unreachable agent, registration failed) removes what it wrote.
export async function backupOneVm(
  ctx: TaskContext,
  a: { job: BackupJob; repo: BackupRepository; vm: BackupVm; run: RunRecorder; onProgress: (fraction: number) => void },
): Promise<BackupRunVmResult> {
  const { job, repo, vm, run } = a;
  const base = { vmId: vm.id, vmName: vm.name };
  let accepted: { file: string; operationId: string } | null = null;
  let r: BackupResult;
  let result: BackupRunVmResult;
  try {
    if (repo.kind === 'host' && repo.hostId !== vm.hostId) {
      const host = await db().host.findUnique({ where: { id: repo.hostId! } });
      throw new AppError(
        'REPOSITORY_UNAVAILABLE',
        `Repository ${repo.name} is a directory on host ${host?.name ?? repo.hostId}; VM ${vm.name} runs on another host, so it cannot write there`,
        503,
      );
    }
    const parent = await db().restorePoint.findFirst({
      where: { vmId: vm.id, jobId: job.id, repositoryId: repo.id, kind: { not: 'safety' } },
      orderBy: { takenAt: 'desc' },
    });
    const pointId = newPointId();
    const targetDir = path.join(repo.path, vm.id);
    const agent = await agentFor(vm.hostId);
    const registered = await registeredFiles(targetDir);
    const vmSpec = vmSpecOf(vm);
    await run.set(vm.id, { state: 'running', pointId, hostId: vm.hostId }); // before the agent writes anything
    const manifest = { vmName: vm.name, vmSpec };
    const op = await agent.backupVm(vm.id, {
      pointId,
      targetDir,
      bitmap: bitmapName(job.id),
      parent: parent ? { path: parent.filePath } : null,
      registered,
      manifest,
    });
    accepted = { file: pointFile(repo.path, vm.id, pointId), operationId: op.id };
    await run.set(vm.id, { operationId: op.id });
    await ctx.step(
      `${vm.name}: backing up on ${agent.hostName}${parent ? ` (parent ${parent.id})` : ' (no previous point: full)'}`,
    );
    const done = await waitForOperation(agent, op.id, (o) => a.onProgress(o.progress));
    r = backupResultSchema.parse(done.result);
    if (r.removedFiles.length)
      await ctx.step(
        `${vm.name}: removed ${r.removedFiles.length} file(s) of earlier runs that no restore point references: ${r.removedFiles.join(', ')}`,
        'warn',
      );
    const incremental = r.kind === 'incremental' && parent;
    const data = {
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
      vmSpec: JSON.stringify(vmSpec),
    };
    result = succeeded(base, data);
    await run.commit(vm.id, result, db().restorePoint.create({ data }));
  } catch (err) {
    await ctx.step(`${vm.name}: backup failed: ${describe(err)}`, 'error');
    if (accepted)
      await removeRunFiles(ctx, { ...base, hostId: vm.hostId, ...accepted }, 'the failed backup was not registered');
    return {
      ...base,
      state: 'failed',
      kind: null,
      fullReason: null,
      bytesWritten: 0,
      sizeBytes: 0,
      durationMs: 0,
      pointId: null,
      error: describe(err),
    };
  }
  await ctx.step(
    `${vm.name}: ${r.kind}${r.fullReason ? ` (${r.fullReason})` : ''}, ${r.bytesWritten} bytes written in ${(r.durationMs / 1000).toFixed(1)} s, sha256 ${r.sha256.slice(0, 12)}…`,
  );
  return result;
}

// A task recovered from a dead worker, for each VM still marked running: a point registered for
// this run stays (the result is brought up to date); otherwise the agent operation may have
// finished (or still runs) after the worker died: wait for it, then delete whatever it wrote.
// The agent's bitmap sidecar makes the next run full.
export async function discardUnfinished(
  ctx: TaskContext,
  repo: BackupRepository,
  runId: string,
  results: BackupRunVmResult[],
): Promise<void> {
  for (const r of results.filter((x) => x.state === 'running' && x.pointId && x.hostId)) {
    const point = await db().restorePoint.findFirst({ where: { id: r.pointId!, runId, vmId: r.vmId } });
    if (point) {
      Object.assign(r, succeeded(r, point));
      await ctx.step(`${r.vmName}: restore point ${point.id} was registered before the worker stopped; it stays`);
      continue;
    }
    await removeRunFiles(
      ctx,
      {
        vmName: r.vmName,
        hostId: r.hostId!,
        file: pointFile(repo.path, r.vmId, r.pointId!),
        operationId: r.operationId,
      },
      'the interrupted backup was not registered',
    );
    Object.assign(r, {
      state: 'failed',
      pointId: null,
      error: 'The worker running this backup stopped before it finished; nothing was registered',
    });
  }
}

function succeeded(
  base: { vmId: string; vmName: string },
  p: Pick<RestorePoint, 'id' | 'kind' | 'fullReason' | 'bytesWritten' | 'sizeBytes' | 'durationMs'>,
): BackupRunVmResult {
  const kind = p.kind === 'incremental' ? 'incremental' : 'full';
  return {
    vmId: base.vmId,
    vmName: base.vmName,
    state: 'succeeded',
    kind,
    fullReason: p.fullReason,
    bytesWritten: Number(p.bytesWritten),
    sizeBytes: Number(p.sizeBytes),
    durationMs: p.durationMs,
    pointId: p.id,
    error: null,
  };
}

// The files of the registered restore points in a VM's repository directory (of any job).
async function registeredFiles(dir: string): Promise<string[]> {
  const rows = await db().restorePoint.findMany({
    where: { filePath: { startsWith: `${dir}${path.sep}` } },
    select: { filePath: true },
  });
  return rows.map((p) => p.filePath).filter((f) => path.dirname(f) === dir);
}

// Best effort: once the point's agent operation (if known) has ended, delete what it wrote,
// complete or .partial (the agent removes a file's manifest with it). Whatever stays (agent unreachable, file still
// written) is removed by the
// next backup of this VM, whose agent sweeps point files no restore point references.
async function removeRunFiles(
  ctx: TaskContext,
  f: { vmName: string; hostId: string; file: string; operationId?: string },
  why: string,
): Promise<void> {
  try {
    const agent = await agentFor(f.hostId);
    if (f.operationId)
      await waitForOperation(agent, f.operationId, undefined, { timeoutMs: 10 * 60_000 }).catch(() => null);
    const { deleted } = await agent.deleteBackupFiles({ paths: [f.file, `${f.file}.partial`] });
    await ctx.step(`${f.vmName}: ${why}; its files are gone (${deleted.join(', ')})`, 'warn');
  } catch (err) {
    await ctx.step(
      `${f.vmName}: could not remove the unregistered file ${f.file}: ${errorMessage(err)}; the next backup of this VM removes it`,
      'warn',
    );
  }
}
