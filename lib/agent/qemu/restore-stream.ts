// Instant recovery, background half: while the guest runs on an overlay backed by the backup,
// block-stream copies the whole chain into the overlay (qemu-recipes.md: target the qcow2 node
// under the copy-on-read filter, auto-dismiss off so the outcome can be read). Afterwards the disk
// has no backing file and vm.json loses copyOnRead, so the next start is a plain VM.
import { conflict, qemuError } from '@/lib/errors';
import { waitFor } from '@/lib/wait-for';
import type { VmSpec } from '../driver/types';
import { activeDiskNode } from './active-node';
import type { QemuContext } from './context';
import { diskInfo } from './qemu-img';
import { vmPaths, writeJson } from './vm-files';
import type { VmSession } from './vm-session';

type QmpJob = { id: string; status: string; 'current-progress': number; 'total-progress': number; error?: string };

export type StreamProgress = { bytesDone: number; bytesTotal: number };

const POLL_MS = 250;

// The VM went away mid-stream. If that is a delete (kill, then undefine), the undefine follows
// the exit within moments: wait for it briefly, so the caller's undo does not race the delete.
async function interrupted(q: QemuContext, id: string): Promise<Error> {
  await waitFor(`VM ${id} deleted`, async () => (await q.vms.find(id)) === null, 5_000, 50).catch(() => {});
  return conflict(
    `VM ${id} stopped or was deleted while its disk was being copied from the backup; the restore did not finish`,
    { vmId: id },
  );
}

export async function streamFromBackup(
  q: QemuContext,
  id: string,
  onProgress: (p: StreamProgress) => void,
): Promise<void> {
  const spec = await q.vms.must(id);
  const session = await q.vms.expectSession(id, ['running', 'paused']);
  const jobId = `restore-stream-${id}`;
  // Every QMP failure after this point is judged against the session: a VM that went away turns
  // "connection closed" into the coded interruption the caller can explain.
  const qmp = async <T>(cmd: string, args?: Record<string, unknown>): Promise<T> => {
    try {
      return await session.execute<T>(cmd, args);
    } catch (err) {
      // The socket may report the error a moment before the exit is recorded.
      if (session.isGone || (await session.waitExit(3_000))) throw await interrupted(q, id);
      throw err;
    }
  };
  // No base: the whole chain below the top node is copied into it.
  await qmp('block-stream', { 'job-id': jobId, device: await activeDiskNode(session), 'auto-dismiss': false });
  const job = await waitConcluded(session, jobId, qmp, onProgress, () => interrupted(q, id));
  await qmp('job-dismiss', { id: jobId });
  if (job.error) throw qemuError('block-stream', job.error);

  // QEMU says concluded without error; the file itself must say it stands alone now.
  const info = await diskInfo(q.qemuImg, spec.diskPath);
  if (info.backingPath) throw qemuError('block-stream', `${spec.diskPath} still has backing file ${info.backingPath}`);
  await saveSpec(q, { ...spec, copyOnRead: undefined });
}

export async function waitConcluded(
  session: VmSession,
  jobId: string,
  qmp: <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>,
  onProgress: (p: StreamProgress) => void,
  gone: () => Promise<Error>,
): Promise<QmpJob> {
  for (;;) {
    if (session.isGone) throw await gone();
    const job = (await qmp<QmpJob[]>('query-jobs')).find((j) => j.id === jobId);
    if (!job) throw qemuError('block-stream', `job ${jobId} vanished before it concluded`);
    onProgress({ bytesDone: job['current-progress'], bytesTotal: job['total-progress'] });
    if (job.status === 'concluded') return job;
    // Wakes early on the job's own status change; polls otherwise for progress figures.
    await session.qmp.waitForEvent('JOB_STATUS_CHANGE', POLL_MS, (ev) => ev.data?.id === jobId);
  }
}

// vm.json is the driver's record of the VM (reattach reads it); the registry caches it.
export async function saveSpec(q: QemuContext, spec: VmSpec): Promise<void> {
  const clean = JSON.parse(JSON.stringify(spec)) as VmSpec; // drops undefined fields
  await writeJson(vmPaths(spec.vmDir).spec, clean);
  q.vms.specs.set(spec.id, clean);
}
