import 'server-only';
import { db } from '@/lib/db/client';
import type { BackupRun, Prisma } from '@/lib/generated/prisma/client';
import type { BackupRunState, BackupRunVmResult } from './dto';

// The BackupRun row of one backup.run task. Per-VM results are written as they change (VMs run
// concurrently, so writes are chained in order, each writing the results as they are then); a
// recovered task finds its unfinished VMs here.
export class RunRecorder {
  private writes: Promise<unknown> = Promise.resolve();
  private constructor(
    readonly run: BackupRun,
    readonly results: BackupRunVmResult[],
  ) {}

  static async start(
    jobId: string,
    taskId: string,
    trigger: string,
    results: BackupRunVmResult[],
  ): Promise<RunRecorder> {
    const run = await db().backupRun.create({
      data: {
        jobId,
        taskId,
        trigger,
        vmCount: results.filter((r) => r.state !== 'skipped').length,
        results: JSON.stringify(results),
      },
    });
    return new RunRecorder(run, results);
  }

  set(vmId: string, patch: Partial<BackupRunVmResult>): Promise<unknown> {
    Object.assign(this.result(vmId), patch);
    return this.enqueue(() => this.save(this.results));
  }

  // This VM's result and `register` (its restore point row) in one transaction: a registered
  // point never sits beside a result still saying running, so a recovering worker never sees one.
  commit(vmId: string, patch: Partial<BackupRunVmResult>, register: Prisma.PrismaPromise<unknown>): Promise<unknown> {
    return this.enqueue(async () => {
      await db().$transaction([
        register,
        this.save(this.results.map((r) => (r.vmId === vmId ? { ...r, ...patch } : r))),
      ]);
      Object.assign(this.result(vmId), patch);
    });
  }

  async finish(error: string | null = null): Promise<BackupRunState> {
    await this.writes;
    return finishRun(this.run, this.results, error);
  }

  private result(vmId: string): BackupRunVmResult {
    return this.results.find((x) => x.vmId === vmId)!;
  }

  private save(results: BackupRunVmResult[]) {
    return db().backupRun.update({ where: { id: this.run.id }, data: { results: JSON.stringify(results) } });
  }

  // A failed write rejects its own caller only; the writes after it still run.
  private enqueue(write: () => Promise<unknown>): Promise<unknown> {
    const p = this.writes.then(write);
    this.writes = p.catch(() => {});
    return p;
  }
}

export function runStateOf(results: BackupRunVmResult[]): BackupRunState {
  const counted = results.filter((r) => r.state !== 'skipped');
  const failed = counted.filter((r) => r.state !== 'succeeded').length;
  if (!counted.length) return 'succeeded';
  return failed === 0 ? 'succeeded' : failed === counted.length ? 'failed' : 'partial';
}

export async function finishRun(
  run: BackupRun,
  results: BackupRunVmResult[],
  error: string | null,
): Promise<BackupRunState> {
  const state = runStateOf(results);
  const finishedAt = new Date();
  await db().backupRun.update({
    where: { id: run.id },
    data: {
      state,
      finishedAt,
      durationMs: finishedAt.getTime() - run.startedAt.getTime(),
      bytesWritten: BigInt(results.reduce((s, r) => s + r.bytesWritten, 0)),
      sizeBytes: BigInt(results.reduce((s, r) => s + r.sizeBytes, 0)),
      vmCount: results.filter((r) => r.state !== 'skipped').length,
      failedCount: results.filter((r) => r.state === 'failed' || r.state === 'running').length,
      error:
        error ??
        (results
          .filter((r) => r.error)
          .map((r) => `${r.vmName}: ${r.error}`)
          .join('; ') ||
          null),
      results: JSON.stringify(results),
    },
  });
  return state;
}
