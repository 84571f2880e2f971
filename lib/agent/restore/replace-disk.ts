// Replace the disk of a stopped VM with a restored one. The current disk is not deleted: it is
// renamed to a safety file in the VM's directory (the dashboard registers it as a 'safety'
// restore point; its path is in the operation's detail from the start) until the VM runs on the
// restored disk; then it is discarded, or reverted when the restore fails. copy: convert, VM stays
// off. instant: an overlay on the backup, the VM started at once and the disk streamed (as in
// restore-vm.ts). A failure inside the operation puts the old disk back itself.
import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { invalidInput, noSuchObject, vmBadPowerState } from '@/lib/errors';
import { sha256File } from '../sha256-file';
import type { OperationHandle } from '../operations';
import { requireQemu } from '../qemu/context';
import type { QemuContext } from '../qemu/context';
import { convertToQcow2, createOverlay } from '../qemu/qemu-img';
import { saveSpec, streamFromBackup } from '../qemu/restore-stream';
import type { VmSpec } from '../driver/types';
import { markSidecars } from '../backup/files';
import type { Sidecar } from '../backup/trust';
import { clearCurrentPoint } from '../snapshots/guards';
import { writePoints } from '../snapshots/points-store';
import type { PointsFile } from '@/lib/agent-protocol/snapshots';
import { writeJson } from '../qemu/vm-files';
import type { ReplaceDiskInput, ReplaceDiskResult, RestoreDetail, SafetyFile } from '@/lib/agent-protocol/restore';
import { checkRestoreSource, type RestoreDeps } from './restore-vm';

const OFF = ['shutoff', 'crashed'];
const SAFETY_NAME = /^disk0\.safety-[0-9A-Za-z-]+\.qcow2$/;

async function offVm(deps: RestoreDeps, id: string): Promise<VmSpec> {
  const q = requireQemu(deps.driver, 'Disk replacement');
  const spec = await q.vms.must(id);
  const vm = await deps.driver.getVm(id);
  if (!vm || !OFF.includes(vm.state)) throw vmBadPowerState(id, OFF, vm?.state ?? 'unknown');
  return spec;
}

// Checked before the operation starts (coded HTTP answers); replaceDisk checks the state again
// under the VM's lock.
export async function checkReplaceDisk(deps: RestoreDeps, id: string, sourcePath: string): Promise<void> {
  const spec = await offVm(deps, id);
  await checkRestoreSource(deps, sourcePath, spec.pool);
}

export async function replaceDisk(
  deps: RestoreDeps,
  id: string,
  req: ReplaceDiskInput,
  op: OperationHandle,
): Promise<ReplaceDiskResult> {
  const q = requireQemu(deps.driver, 'Disk replacement');
  const t0 = Date.now();
  let sidecars = new Map<string, Sidecar>();
  let points: PointsFile | null = null;
  const kept = await q.withLock(id, async () => {
    const spec = await offVm(deps, id);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const safetyPath = path.join(spec.vmDir, `disk0.safety-${stamp}.qcow2`);
    await rename(spec.diskPath, safetyPath);
    try {
      op.report(0.02, 'keeping the current disk as the safety file');
      const [sha256, { size }] = await Promise.all([sha256File(safetyPath), stat(safetyPath)]);
      const safety: SafetyFile = { path: safetyPath, sha256, sizeBytes: size };
      op.report(0.1, 'current disk kept as the safety file', detailOf(safety, {}));
      if (req.instant) {
        await createOverlay(q.qemuImg, spec.diskPath, req.sourcePath);
      } else {
        await convertToQcow2(q.qemuImg, req.sourcePath, spec.diskPath, (f) =>
          op.report(
            0.1 + 0.9 * f,
            `copying the backup into the VM's disk: ${Math.round(f * 100)}%`,
            detailOf(safety, {}),
          ),
        );
      }
      sidecars = await markSidecars(spec.vmDir, 'replaced', req.sourcePath);
      points = await clearCurrentPoint(spec);
      // Instant: the filter until streamed. Copy: a VM last restored instantly may still carry it.
      await saveSpec(q, { ...spec, copyOnRead: req.instant ? true : undefined });
      deps.log(
        `VM ${id}: disk replaced from ${req.sourcePath}${req.instant ? ' (overlay, instant)' : ''}; old disk kept as ${safetyPath}`,
      );
      return { spec, safety };
    } catch (err) {
      await putBack(q, spec, safetyPath, sidecars, points);
      throw err;
    }
  });
  const { spec, safety } = kept;
  const result = { safetyPath: safety.path, sha256: safety.sha256, sizeBytes: safety.sizeBytes };
  if (!req.instant) return { ...result, runningAfterMs: null };

  // Instant: start on the overlay at once, then stream. The lock is released: start takes it.
  const detail = (d: Partial<RestoreDetail>) => detailOf(safety, d);
  try {
    op.report(0.05, 'starting the VM on the backup', detail({ phase: 'starting' }));
    await deps.driver.startVm(id);
    const runningAfterMs = Date.now() - t0;
    await streamFromBackup(q, id, ({ bytesDone, bytesTotal }) => {
      const f = bytesTotal > 0 ? bytesDone / bytesTotal : 0;
      op.report(
        0.05 + 0.95 * f,
        `running from the backup; streaming ${Math.round(f * 100)}%`,
        detail({ phase: 'streaming', runningAfterMs, bytesDone, bytesTotal }),
      );
    });
    return { ...result, runningAfterMs };
  } catch (err) {
    // The VM may have been deleted meanwhile (its directory went with it): nothing to put back.
    const vm = await deps.driver.getVm(id);
    if (vm) {
      if (vm.state === 'running' || vm.state === 'paused') await deps.driver.killVm(id);
      await q.withLock(id, () => putBack(q, spec, result.safetyPath, sidecars, points));
    }
    throw err;
  }
}

const detailOf = (safety: SafetyFile, d: Partial<RestoreDetail>): RestoreDetail => ({
  phase: 'copying',
  runningAfterMs: null,
  bytesDone: 0,
  bytesTotal: 0,
  safety,
  ...d,
});

// The old disk (with its bitmaps and their sidecars, and the spec without the filter) back in
// place of a failed replacement.
async function putBack(
  q: QemuContext,
  spec: VmSpec,
  safetyPath: string,
  sidecars: Map<string, Sidecar>,
  points: PointsFile | null,
): Promise<void> {
  for (const [file, sidecar] of sidecars) await writeJson(file, sidecar);
  if (points) await writePoints(spec, points);
  await rename(safetyPath, spec.diskPath);
  await saveSpec(q, { ...spec, copyOnRead: undefined });
  q.log(`VM ${spec.id}: disk replacement failed, old disk put back`);
}

// Only a safety file of this VM, named as replaceDisk names it, may be discarded or reverted.
async function safetyFile(deps: RestoreDeps, id: string, safetyPath: string): Promise<VmSpec> {
  const spec = await requireQemu(deps.driver, 'Safety disks').vms.must(id);
  const file = path.resolve(safetyPath);
  if (path.dirname(file) !== path.resolve(spec.vmDir) || !SAFETY_NAME.test(path.basename(file))) {
    throw invalidInput({ safetyPath: [`must be a disk0.safety-*.qcow2 file in ${spec.vmDir}`] });
  }
  if (!existsSync(file)) throw noSuchObject('safety disk', file);
  return spec;
}

export async function discardSafety(deps: RestoreDeps, id: string, safetyPath: string): Promise<void> {
  await safetyFile(deps, id, safetyPath);
  await rm(path.resolve(safetyPath));
  deps.log(`VM ${id}: safety disk ${safetyPath} discarded`);
}

// rename() replaces disk0.qcow2 atomically: there is never a moment without a disk.
export async function revertSafety(deps: RestoreDeps, id: string, safetyPath: string): Promise<void> {
  await safetyFile(deps, id, safetyPath);
  await requireQemu(deps.driver, 'Safety disks').withLock(id, async () => {
    const spec = await offVm(deps, id);
    await rename(path.resolve(safetyPath), spec.diskPath);
  });
  deps.log(`VM ${id}: reverted to safety disk ${safetyPath}`);
}
