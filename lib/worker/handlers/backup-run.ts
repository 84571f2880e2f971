import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { BackupRunVmResult } from '@/lib/domain/backups/dto';
import { pruneJob } from '@/lib/domain/backups/prune';
import { selectableVms } from '@/lib/domain/backups/queries';
import { checkRepositoryNow, repositoryError } from '@/lib/domain/backups/repository-check';
import { finishRun, RunRecorder } from '@/lib/domain/backups/runs';
import { matchVms, missingVmIds, parseSelector } from '@/lib/domain/backups/selector';
import { noPointsReason } from '@/lib/domain/dr/roles';
import { AppError, errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { backupOneVm, discardUnfinished, type BackupVm } from './backup-vm';

const SKIP_STATES = ['provisioning', 'deleting'];

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

const emptyResult = (
  vm: { id: string; name: string },
  state: BackupRunVmResult['state'],
  error: string | null = null,
): BackupRunVmResult => ({
  vmId: vm.id,
  vmName: vm.name,
  state,
  kind: null,
  fullReason: null,
  bytesWritten: 0,
  sizeBytes: 0,
  durationMs: 0,
  pointId: null,
  error,
});

// backup.run: the job's VMs (resolved now), at most `concurrency` at once, each to its own
// outcome; then retention, then a usage sample. An unusable repository fails this job only.
export const backupRunHandler: TaskHandler<'backup.run'> = async (ctx, { jobId, trigger }) => {
  const job = await db().backupJob.findUnique({ where: { id: jobId }, include: { repository: true } });
  if (!job) throw noSuchObject('backup job', jobId);
  const repo = job.repository;
  const target = { type: 'backup-job', id: job.id, name: job.name };

  if (ctx.recovered) {
    const run = await db().backupRun.findFirst({ where: { taskId: ctx.id } });
    if (run) {
      const results = JSON.parse(run.results) as BackupRunVmResult[];
      await discardUnfinished(ctx, repo, run.id, results);
      await finishRun(run, results, 'The worker running this backup stopped before it finished');
    }
    throw new AppError(
      'INTERRUPTED',
      'The worker running this backup stopped before it finished; unfinished VMs were not registered and the next run starts fresh (full where the chain cannot be trusted)',
      500,
    );
  }

  await db().backupJob.update({ where: { id: job.id }, data: { lastRunAt: new Date() } });
  const selector = parseSelector(job.selector);
  const all = await selectableVms();
  const vms = matchVms(selector, all) as BackupVm[];
  const missing = missingVmIds(selector, all);
  if (missing.length) await ctx.step(`Skipping VM(s) that no longer exist: ${missing.join(', ')}`, 'warn');
  if (!vms.length) await ctx.step('The selector matches no VM now; nothing to back up', 'warn');
  // A DR replica (matched by a tag) is skipped with the reason: its disk is the replication's.
  const skipReason = (vm: BackupVm) =>
    SKIP_STATES.includes(vm.state) ? `VM is ${vm.state}` : noPointsReason(vm, 'backups');
  const initial = vms.map((vm) =>
    skipReason(vm) ? emptyResult(vm, 'skipped', skipReason(vm)) : emptyResult(vm, 'failed', 'not started'),
  );
  const run = await RunRecorder.start(job.id, ctx.id, trigger, initial);
  const todo = vms.filter((vm) => !skipReason(vm));

  await ctx.step(`Checking repository ${repo.name} (${repo.path})`);
  const check = await checkRepositoryNow(repo, { preferHostId: todo[0]?.hostId });
  const repoErr = repositoryError(repo, check);
  if (repoErr) {
    await ctx.step(`Repository ${repo.name}: ${repoErr.message}`, 'error');
    for (const vm of todo) await run.set(vm.id, { state: 'failed', error: `${repoErr.code}: ${repoErr.message}` });
    await run.finish(repoErr.message);
    await recordAudit({
      actor: ctx.actor,
      action: 'backup-job.run',
      target,
      result: 'failed',
      detail: { taskId: ctx.id, error: repoErr.message },
    });
    throw repoErr;
  }
  await ctx.step(
    `Backing up ${todo.length} VM(s), ${job.concurrency} at a time, into ${repo.name} (${Math.round(check.freeBytes / 1024 ** 2)} MiB free)`,
  );

  const progress = new Map<string, number>();
  const report = () =>
    void ctx
      .progress((0.9 * [...progress.values()].reduce((s, x) => s + x, 0)) / Math.max(1, todo.length))
      .catch(() => {});
  await eachLimited(todo, job.concurrency, async (vm) => {
    const result = await backupOneVm(ctx, {
      job,
      repo,
      vm,
      run,
      onProgress: (f) => (progress.set(vm.id, f), report()),
    });
    progress.set(vm.id, 1);
    report();
    await run.set(vm.id, result);
  });
  const state = await run.finish();

  // After the run row is finished: readers of a chain recognise a retention in progress by that.
  try {
    const pruned = await pruneJob(job, (m, level) => ctx.step(m, level));
    if (pruned.deleted || pruned.rebased)
      await ctx.step(
        `Retention: ${pruned.deleted} point(s) deleted, ${pruned.rebased} rebased, ${pruned.freedBytes} bytes freed`,
      );
  } catch (err) {
    await ctx.step(`Retention failed: ${errorMessage(err)}`, 'warn');
  }
  await checkRepositoryNow(repo, { preferHostId: todo[0]?.hostId });

  const summary = {
    runId: run.run.id,
    state,
    vms: run.results.length,
    failed: run.results.filter((r) => r.state === 'failed').length,
  };
  await recordAudit({
    actor: ctx.actor,
    action: 'backup-job.run',
    target,
    result: state === 'failed' ? 'failed' : 'succeeded',
    detail: { taskId: ctx.id, ...summary },
  });
  if (state === 'failed')
    throw new AppError(
      'BACKUP_FAILED',
      `Every VM failed: ${run.results.map((r) => `${r.vmName}: ${r.error}`).join('; ')}`,
      500,
      summary,
    );
  if (state === 'partial')
    await ctx.step(`Finished with failures: ${summary.failed} of ${summary.vms} VM(s) failed`, 'warn');
  return summary;
};
