// Block jobs of points: the live merge of a layer into the one below it (block-commit, always
// with explicit top and base nodes). auto-dismiss off, so the outcome can be read afterwards.
import { randomBytes } from 'node:crypto';
import { qemuError, timeout } from '@/lib/errors';
import { activeDiskNode } from '../qemu/active-node';
import type { VmSession } from '../qemu/vm-session';

type QmpJob = {
  id: string;
  type: string;
  status: string;
  'current-progress': number;
  'total-progress': number;
  error?: string;
};

const COMMIT_JOB_PREFIX = 'vmops-commit-';
const COMMIT_MAX_MS = 30 * 60_000; // a layer of many GiB on a slow disk; a stuck job still ends
const POLL_MS = 250;

// Active commit (top is the guest's disk): the job mirrors until READY, then job-complete pivots
// the guest onto the base. Intermediate: the job ends by itself and QEMU re-points the overlay.
export async function commitLive(
  s: VmSession,
  top: string,
  base: string,
  active: boolean,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const id = `${COMMIT_JOB_PREFIX}${randomBytes(4).toString('hex')}`;
  await s.execute('block-commit', {
    'job-id': id,
    device: await activeDiskNode(s),
    'top-node': top,
    'base-node': base,
    'auto-dismiss': false,
  });
  const until = Date.now() + COMMIT_MAX_MS;
  let completing = false;
  for (;;) {
    if (s.isGone) throw qemuError('block-commit', `VM ${s.id} stopped while its layers were being merged`);
    const job = (await s.execute<QmpJob[]>('query-jobs')).find((j) => j.id === id);
    if (!job) throw qemuError('block-commit', `job ${id} vanished before it concluded`);
    onProgress?.(job['current-progress'], job['total-progress']);
    if (job.status === 'concluded') {
      await s.execute('job-dismiss', { id });
      if (job.error) throw qemuError('block-commit', job.error);
      return;
    }
    if (job.status === 'ready' && active && !completing) {
      completing = true;
      await s.execute('job-complete', { id });
    }
    if (Date.now() > until) {
      await s.execute('job-cancel', { id }).catch(() => {});
      throw timeout('Merging the snapshot layers', COMMIT_MAX_MS / 1000);
    }
    await s.qmp.waitForEvent('JOB_STATUS_CHANGE', POLL_MS, (ev) => ev.data?.id === id);
  }
}
