// Running VM backups over QMP (qemu-recipes.md, "Full and incremental backup"): persistent dirty
// bitmap on the qcow2 node, target added with blockdev-add, bitmap handling and job start in ONE
// transaction (crash-consistent point in time), then wait, dismiss and detach the target.
import { randomBytes } from 'node:crypto';
import { qemuError } from '@/lib/errors';
import type { BitmapState } from '../backup/trust';
import { activeDiskNode } from './active-node';
import type { BitmapAction } from './backup-img';
import type { QmpClient } from './qmp-client';
import type { VmSession } from './vm-session';

const PREFIX = 'vmops-backup-'; // job ids and target node names: a restarted agent finds its leftovers
type Job = { id: string; status: string; 'current-progress': number; 'total-progress': number; error?: string };
export type DirtyBitmap = { name: string; recording: boolean; busy: boolean; inconsistent?: boolean; count: number };
type NamedNode = { 'node-name': string; file: string; 'dirty-bitmaps'?: DirtyBitmap[] };
// What job handling needs of a QMP peer: a VM's session, or a qemu-storage-daemon's
// (lib/agent/replication/block-engine.ts).
export type JobHost = Pick<VmSession, 'id' | 'isGone' | 'execute'> & { qmp: Pick<QmpClient, 'waitForEvent'> };

export async function nodeBitmaps(s: JobHost, node: string): Promise<DirtyBitmap[]> {
  const nodes = await s.execute<NamedNode[]>('query-named-block-nodes', { flat: true });
  const disk = nodes.find((n) => n['node-name'] === node);
  if (!disk) throw qemuError('backup', `VM ${s.id} has no block node "${node}"`);
  return disk['dirty-bitmaps'] ?? [];
}

// The bitmaps live on the top qcow2 node (a snapshot carries them onto its new overlay).
const diskNodeBitmaps = async (s: VmSession) => nodeBitmaps(s, await activeDiskNode(s));

export async function liveBitmapState(s: VmSession, name: string): Promise<{ state: BitmapState; busy: boolean }> {
  const bm = (await diskNodeBitmaps(s)).find((b) => b.name === name);
  if (!bm) return { state: 'missing', busy: false };
  return { state: bm.inconsistent ? 'inconsistent' : bm.recording ? 'ok' : 'disabled', busy: bm.busy };
}

const ENDED = new Set(['concluded', 'null']);

// Cancels (if still running) and dismisses a job; used for our own job and for leftovers.
export async function finishJob(s: JobHost, id: string): Promise<void> {
  const find = async () => (await s.execute<Job[]>('query-jobs')).find((j) => j.id === id);
  let job = await find();
  if (job && !ENDED.has(job.status)) {
    await s.execute('job-cancel', { id }).catch(() => {});
    for (let i = 0; i < 300 && job && !ENDED.has(job.status); i++) {
      await s.qmp.waitForEvent('JOB_STATUS_CHANGE', 100, (ev) => ev.data?.id === id);
      job = await find();
    }
  }
  if (job?.status === 'concluded') await s.execute('job-dismiss', { id });
}

// Jobs and target nodes a killed agent left in QEMU (a job it started runs on and stays
// concluded: auto-dismiss is off). Returns their files: stale partials, removed by the caller.
// `prefix` tells whose leftovers: backups' by default, replication's (send-qmp.ts) otherwise.
export async function cleanupLeftovers(s: JobHost, log: (m: string) => void, prefix = PREFIX): Promise<string[]> {
  const files: string[] = [];
  for (const j of await s.execute<Job[]>('query-jobs')) {
    if (!j.id.startsWith(prefix)) continue;
    log(`VM ${s.id}: removing leftover backup job ${j.id} (${j.status})`);
    await finishJob(s, j.id);
  }
  for (const n of await s.execute<NamedNode[]>('query-named-block-nodes', { flat: true })) {
    if (!n['node-name'].startsWith(prefix)) continue;
    log(`VM ${s.id}: removing leftover backup target node ${n['node-name']} (${n.file})`);
    await s.execute('blockdev-del', { 'node-name': n['node-name'] });
    files.push(n.file);
  }
  return files;
}

export type LiveBackupOptions = {
  target: string; // the qcow2 file already created (with its parent as backing for an incremental)
  bitmap: string;
  incremental: boolean;
  bitmapAction: BitmapAction | null; // full only: how the bitmap starts afresh in the transaction
  speed?: number;
  onProgress: (done: number, total: number) => void;
};

export async function runLiveBackup(s: VmSession, o: LiveBackupOptions): Promise<{ takenAt: Date; jobBytes: number }> {
  const id = `${PREFIX}${randomBytes(6).toString('hex')}`;
  const disk = await activeDiskNode(s); // under the VM lock: no snapshot moves it meanwhile
  await s.execute('blockdev-add', { driver: 'qcow2', 'node-name': id, file: { driver: 'file', filename: o.target } });
  try {
    // An inconsistent bitmap can be neither cleared nor re-added under its name in the same
    // transaction (QEMU 7.2: "Bitmap already exists"): remove it first; the new one is added
    // atomically with the job start, which is what makes the chain exact.
    if (o.bitmapAction === 'replace') await s.execute('block-dirty-bitmap-remove', { node: disk, name: o.bitmap });
    const bitmapOp =
      o.incremental || !o.bitmapAction
        ? []
        : o.bitmapAction === 'clear'
          ? [{ type: 'block-dirty-bitmap-clear', data: { node: disk, name: o.bitmap } }]
          : [{ type: 'block-dirty-bitmap-add', data: { node: disk, name: o.bitmap, persistent: true } }];
    const job = {
      'job-id': id,
      device: disk,
      target: id,
      'auto-dismiss': false,
      ...(o.incremental ? { sync: 'incremental', bitmap: o.bitmap } : { sync: 'full' }),
      ...(o.speed ? { speed: o.speed } : {}),
    };
    await s.execute('transaction', { actions: [...bitmapOp, { type: 'blockdev-backup', data: job }] });
    const takenAt = new Date();
    try {
      const done = await waitJob(s, id, o.onProgress);
      return { takenAt, jobBytes: done['total-progress'] };
    } finally {
      await finishJob(s, id).catch(() => {});
    }
  } finally {
    await s.execute('blockdev-del', { 'node-name': id }).catch(() => {});
  }
}

// Waits for the job to conclude (its error thrown). With `stallMs`, a job whose progress has not
// moved for that long fails (a target that stopped answering).
export async function waitJob(
  s: JobHost,
  id: string,
  onProgress: LiveBackupOptions['onProgress'],
  stallMs?: number,
): Promise<Job> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    if (s.isGone) throw qemuError('backup', `VM ${s.id} stopped during the backup`);
    const job = (
      await s.execute<Job[]>('query-jobs').catch((err: Error) => {
        throw qemuError('backup', `VM ${s.id} stopped during the backup (${err.message})`);
      })
    ).find((j) => j.id === id);
    if (!job) throw qemuError('backup', `backup job ${id} disappeared`);
    if (job.status === 'concluded') {
      if (job.error) throw qemuError('blockdev-backup', job.error);
      return job;
    }
    if (job['current-progress'] !== last) [last, movedAt] = [job['current-progress'], Date.now()];
    else if (stallMs && Date.now() - movedAt > stallMs)
      throw qemuError('blockdev-backup', `job ${id} made no progress for ${Math.round(stallMs / 1000)} s`);
    onProgress(job['current-progress'], job['total-progress']);
    await s.qmp.waitForEvent('JOB_STATUS_CHANGE', 1000, (ev) => ev.data?.id === id);
  }
}
