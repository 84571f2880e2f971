// One backup of one VM into <targetDir>/<pointId>.qcow2: trust checks (full with a reason, or
// incremental), a running VM through QMP, a stopped one through qemu-img, then hash + rename of
// the .partial, then its manifest <pointId>.json. Runs under the VM's lock so a start or undefine
// cannot interleave; a stop or kill does not take that lock and simply makes a running backup
// fail (QEMU ends the job).
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { alreadyExists, conflict } from '@/lib/errors';
import { mkdirLevels } from '../fs-bounds';
import type { OperationHandle } from '../operations';
import {
  allocatedBytes,
  createTarget,
  imageBitmaps,
  offlineFull,
  offlineIncremental,
  resetImageBitmap,
} from '../qemu/backup-img';
import { cleanupLeftovers, liveBitmapState, runLiveBackup } from '../qemu/backup-live';
import type { QemuContext } from '../qemu/context';
import { ON } from '../qemu/vm-registry';
import { writeManifest } from './manifest';
import {
  finalizePartial,
  keepTouched,
  PARTIAL,
  readSidecar,
  removeStalePartials,
  removeUnregistered,
  writeSidecar,
} from './files';
import { manifestPathOf, MANIFEST_FORMAT, type BackupResult, type BackupVmInput } from '@/lib/agent-protocol/backup';
import { decideBackupKind, type BitmapState, type Sidecar, type TrustDecision } from './trust';

type Ctx = Pick<QemuContext, 'qemuImg' | 'vms' | 'log'>;

function offlineBitmapState(flags: string[] | undefined): BitmapState {
  if (!flags) return 'missing';
  if (flags.includes('in-use')) return 'inconsistent';
  return flags.includes('auto') ? 'ok' : 'disabled';
}

export async function takeBackup(
  ctx: Ctx,
  vmId: string,
  req: BackupVmInput,
  op: OperationHandle,
  active: Set<string>,
): Promise<BackupResult> {
  const t0 = Date.now();
  const spec = await ctx.vms.must(vmId);
  const state = (await ctx.vms.runtime(spec)).state;
  const live = ON.includes(state);
  const session = live ? await ctx.vms.expectSession(vmId, ON) : null;

  // Only the VM's own dir: a repository that vanished (unmounted) is not recreated on another disk.
  await mkdirLevels(req.targetDir, { maxLevels: 1, deadline: Date.now() + 5_000 });
  const final = path.join(req.targetDir, `${req.pointId}.qcow2`);
  const partial = `${final}${PARTIAL}`;
  if (existsSync(final) || active.has(partial)) throw alreadyExists('backup file', final);
  // Leftovers of a killed agent: QEMU's job and target node first (they hold the file open).
  const leftovers = session
    ? (await cleanupLeftovers(session, ctx.log)).filter((f) => f.endsWith(PARTIAL) && !active.has(f))
    : [];
  for (const f of leftovers) await rm(f, { force: true });
  const removedFiles = [...leftovers, ...(await removeStalePartials(req.targetDir, active))];
  // The parent is kept whatever the list says: this backup may build on it.
  if (req.registered)
    removedFiles.push(
      ...(await removeUnregistered(
        req.targetDir,
        new Set([...req.registered, ...(req.parent ? [req.parent.path] : [])]),
      )),
    );
  for (const f of removedFiles) ctx.log(`backup: removed stale ${f}`);

  const img = await imageBitmaps(ctx.qemuImg, spec.diskPath);
  const bitmapInfo = session
    ? await liveBitmapState(session, req.bitmap)
    : { state: offlineBitmapState(img.bitmaps.find((b) => b.name === req.bitmap)?.flags), busy: false };
  if (bitmapInfo.busy)
    throw conflict(`Dirty bitmap "${req.bitmap}" of VM ${vmId} is in use by another block job`, {
      vmId,
      bitmap: req.bitmap,
    });
  const previous = await readSidecar(spec.vmDir, req.bitmap);
  const decision: TrustDecision = decideBackupKind({
    forceFull: req.forceFull,
    parentPath: req.parent?.path ?? null,
    parentExists: !!req.parent && existsSync(req.parent.path),
    live,
    bitmapName: req.bitmap,
    bitmap: bitmapInfo.state,
    sidecar: previous,
  });
  const incremental = decision.kind === 'incremental';
  const parent = incremental ? req.parent!.path : null;
  const detail = { kind: decision.kind, fullReason: decision.fullReason, vmState: live ? 'running' : 'shutoff' };
  op.report(0.02, `${decision.kind} backup${decision.fullReason ? `: ${decision.fullReason}` : ''}`, detail);
  ctx.log(
    `backup of VM ${vmId} -> ${final}: ${decision.kind}${decision.fullReason ? ` (${decision.fullReason})` : ''}`,
  );

  // 'pending' before the bitmap is touched: a run that does not reach 'done' forces a full next.
  const pending: Sidecar = { state: 'pending', path: final, sha256: null, at: new Date().toISOString() };
  let bitmapTouched = false;
  active.add(partial);
  const stopTouching = keepTouched(partial);
  try {
    let takenAt: Date;
    await writeSidecar(spec.vmDir, req.bitmap, pending);
    if (session) {
      await createTarget(ctx.qemuImg, partial, img.virtualSizeBytes, parent);
      // A full changes the bitmap in its transaction; an incremental only once its job succeeded
      // (QEMU gives the bits back when the job fails).
      bitmapTouched = !incremental;
      ({ takenAt } = await runLiveBackup(session, {
        target: partial,
        bitmap: req.bitmap,
        incremental,
        bitmapAction: decision.bitmapAction,
        speed: req.speedBytesPerSec,
        onProgress: (done, total) =>
          op.report(0.05 + 0.8 * (total ? done / total : 0), 'copying', {
            ...detail,
            phase: 'copy',
            bytesDone: done,
            bytesTotal: total,
          }),
      }));
      bitmapTouched = true;
    } else {
      takenAt = new Date();
      const onProgress = (f: number) => op.report(0.05 + 0.8 * f, 'copying', { ...detail, phase: 'copy', fraction: f });
      if (parent)
        await offlineIncremental(ctx.qemuImg, spec.diskPath, parent, partial, img.virtualSizeBytes, onProgress);
      else await offlineFull(ctx.qemuImg, spec.diskPath, partial, onProgress);
      bitmapTouched = true;
      await resetImageBitmap(ctx.qemuImg, spec.diskPath, req.bitmap, decision.bitmapAction!);
    }
    const bytesWritten = await allocatedBytes(ctx.qemuImg, partial);
    op.report(0.86, 'computing SHA-256', { ...detail, phase: 'hash' });
    const { sha256, sizeBytes } = await finalizePartial(partial, final);
    const point = {
      kind: decision.kind,
      fullReason: decision.fullReason,
      sha256,
      sizeBytes,
      virtualSizeBytes: img.virtualSizeBytes,
      bytesWritten,
      durationMs: Date.now() - t0,
      takenAt: takenAt.toISOString(),
    };
    await writeManifest(final, {
      formatVersion: MANIFEST_FORMAT,
      pointId: req.pointId,
      vmId,
      ...req.manifest,
      ...point,
      parent: parent && path.basename(parent),
    });
    await writeSidecar(spec.vmDir, req.bitmap, { state: 'done', path: final, sha256, at: new Date().toISOString() });
    return { ...point, path: final, vmState: live ? 'running' : 'shutoff', removedFiles };
  } catch (err) {
    // Nothing of a failed backup stays, not even a file already renamed (manifest or sidecar
    // write failed).
    for (const f of [partial, final, manifestPathOf(final)]) await rm(f, { force: true });
    // Nothing changed the bitmap: it still counts from the previous backup.
    if (!bitmapTouched && previous) await writeSidecar(spec.vmDir, req.bitmap, previous).catch(() => {});
    throw err;
  } finally {
    stopTouching();
    active.delete(partial);
  }
}
