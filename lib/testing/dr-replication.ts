// Shared by the DR integ tests that drive replication through the dashboard and the real worker
// (lib/worker/replication.integ.ts, failback.integ.ts): the scheduler's 2 s tick until a job has
// enough successful runs; the protected test-guest VM both start from.
import { db } from '@/lib/db/client';
import { createJob } from '@/lib/domain/dr/service';
import { createVm } from '@/lib/domain/vms/service';
import { admin } from '@/lib/testing/fixtures';
import { succeeded } from '@/lib/testing/tasks';
import { sleep } from '@/lib/wait-for';
import { scheduleReplication } from '@/lib/worker/replication-scheduler';

// Ticks until the job has `n` successful runs of that direction (any failed run throws).
export async function tickUntilRuns(
  jobId: string,
  n: number,
  { timeoutMs = 300_000, direction = 'forward' }: { timeoutMs?: number; direction?: 'forward' | 'reverse' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await scheduleReplication(() => {});
    const runs = await db().replicationRun.findMany({ where: { jobId, direction }, orderBy: { startedAt: 'asc' } });
    const failed = runs.find((r) => r.status === 'failed');
    if (failed) throw new Error(`run failed: ${failed.error}`);
    if (runs.filter((r) => r.status === 'succeeded').length >= n) return;
    if (Date.now() > deadline) throw new Error(`no ${n} successful ${direction} runs within ${timeoutMs} ms`);
    await sleep(2_000);
  }
}

// The test guest (64 MiB disk) as a VM on `hostId`; then protected to a host of the other site.
export async function createGuestVm(o: { name: string; imageId: string; hostId: string }): Promise<string> {
  const created = await createVm(admin, {
    name: o.name,
    imageId: o.imageId,
    hostId: o.hostId,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeGiB: 0.0625,
    haEnabled: false,
    tags: [],
  });
  await succeeded(created.taskId);
  return created.vmId;
}
export const protectVm = (vmId: string, targetHostId: string) =>
  createJob(admin, { vmId, targetHostId, intervalSec: 15, keepPoints: 4 });
