// A backup of a running VM taken over its own QMP session, for tests of restores that must not
// depend on the product's backups (lib/agent/backup): full, then incremental from a persistent
// dirty bitmap, as qemu-recipes.md verified.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Driver } from '@/lib/agent/driver/types';
import { DISK_NODE } from '@/lib/agent/qemu/args';
import { requireQemu } from '@/lib/agent/qemu/context';
import { waitFor } from '@/lib/wait-for';

type QmpJob = { id: string; status: string; error?: string };

// Backup of a running VM into `target`: full (and a persistent bitmap started in the same
// transaction), or incremental from that bitmap on top of `parent`.
export async function backupRunningVm(
  driver: Driver,
  id: string,
  target: string,
  parent: string | null,
): Promise<void> {
  const q = requireQemu(driver, 'test backup');
  const s = await q.vms.expectSession(id, ['running']);
  const size = (await driver.diskInfo((await q.vms.must(id)).diskPath)).virtualSizeBytes;
  const args = ['create', '-q', '-f', 'qcow2', ...(parent ? ['-b', parent, '-F', 'qcow2'] : []), target, String(size)];
  execFileSync(q.qemuImg, args);
  const node = `bk-${path.basename(target, '.qcow2')}`.replace(/[^A-Za-z0-9-]/g, '-');
  await s.execute('blockdev-add', { driver: 'qcow2', 'node-name': node, file: { driver: 'file', filename: target } });
  const jobId = `job-${node}`;
  const backup = { 'job-id': jobId, device: DISK_NODE, target: node, 'auto-dismiss': false };
  const actions = parent
    ? [{ type: 'blockdev-backup', data: { ...backup, sync: 'incremental', bitmap: 'bm0' } }]
    : [
        { type: 'block-dirty-bitmap-add', data: { node: DISK_NODE, name: 'bm0', persistent: true } },
        { type: 'blockdev-backup', data: { ...backup, sync: 'full' } },
      ];
  await s.execute('transaction', { actions });
  const job = await waitFor(
    `backup ${jobId}`,
    async () => (await s.execute<QmpJob[]>('query-jobs')).find((j) => j.id === jobId && j.status === 'concluded'),
    60_000,
    50,
  );
  await s.execute('job-dismiss', { id: jobId });
  await s.execute('blockdev-del', { 'node-name': node });
  if (job.error) throw new Error(`backup failed: ${job.error}`);
}
