// Revert a VM to one of its points (docs/ARCHITECTURE.md, "Snapshots and checkpoints"): a new
// active layer on the point's frozen layer (the tree branches there; the frozen layer is never
// written), the old active file removed. A checkpoint comes back from its memory state exactly where
// it was (QEMU started with -incoming, the state read through zstd); a disk snapshot of a running
// VM boots on the reverted disk; a stopped VM stays stopped.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { noSuchObject, qemuError, timeout } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import { markSidecars } from '../backup/files';
import type { VmSpec } from '../driver/types';
import type { QemuContext } from '../qemu/context';
import { launchVm } from '../qemu/launch';
import { queryMigrate } from '../qemu/migration-qmp';
import { diskInfo } from '../qemu/qemu-img';
import { ON } from '../qemu/vm-registry';
import type { VmSession } from '../qemu/vm-session';
import { createLayer } from './capture';
import { contVm, loadUri } from './point-qmp';
import { inVmDir, mustFindPoint, pointOfLayer, readPoints, saveDiskAndPoints } from './points-store';
import type { RevertResult } from '@/lib/agent-protocol/snapshots';

const QUIT_WAIT_MS = 15_000;
const LOAD_BASE_MS = 60_000;
const LOAD_PER_MIB_MS = 100;

// Ends the VM's QEMU for good (quit: images closed cleanly, bitmaps stored); the caller holds the
// VM's lock, so this cannot race a start.
async function quitQemu(ctx: QemuContext, spec: VmSpec): Promise<void> {
  const s = await ctx.vms.session(spec);
  if (!s) {
    if (await ctx.vms.liveRun(spec))
      throw qemuError(`VM ${spec.id}`, 'QEMU is running but its QMP socket cannot be attached (another client?)');
    return;
  }
  s.shutdownReason = 'vmops-kill';
  await s.execute('quit', undefined, { timeoutMs: 5_000 }).catch(() => {});
  if (!(await s.waitExit(QUIT_WAIT_MS))) throw timeout(`Quitting QEMU of VM ${spec.id}`, QUIT_WAIT_MS / 1000);
}

// Starts QEMU on spec's disk: running (boots), or paused waiting for a state (incoming).
async function launchLocked(ctx: QemuContext, spec: VmSpec, incoming: boolean): Promise<VmSession> {
  await ctx.startGuard(spec);
  return ctx.vms.whileLaunching(spec.id, async () => {
    const s = await launchVm({
      binary: ctx.binary,
      spec,
      paths: ctx.vms.paths(spec),
      incoming,
      accelerator: ctx.accelerator,
      log: ctx.log,
      onExit: ctx.vms.onExit,
    });
    if (!s.isGone) ctx.vms.sessions.set(spec.id, s);
    return s;
  });
}

// Loads a memory state into a QEMU started with incoming (bounded); leaves it paused.
async function loadState(s: VmSession, stateFile: string, memoryMiB: number): Promise<void> {
  await s.execute('migrate-incoming', { uri: loadUri(stateFile) });
  const waitMs = LOAD_BASE_MS + memoryMiB * LOAD_PER_MIB_MS;
  const until = Date.now() + waitMs;
  for (;;) {
    const m = await queryMigrate(s);
    if (m.status === 'completed') return;
    if (m.status === 'failed' || m.status === 'cancelled')
      throw qemuError('migrate-incoming (memory state)', m['error-desc'] ?? m.status);
    if (s.isGone) throw qemuError('migrate-incoming (memory state)', 'QEMU exited while loading the state');
    if (Date.now() > until) throw timeout('Loading the memory state', waitMs / 1000);
    await sleep(50);
  }
}

// Precondition: the caller holds ctx.withLock(spec.id). resume:false leaves a checkpoint paused
// after loading (a group revert resumes every VM together); it has no effect on a disk snapshot.
export async function revertPoint(
  ctx: QemuContext,
  spec: VmSpec,
  pointId: string,
  opts: { resume: boolean },
): Promise<RevertResult> {
  const t0 = Date.now();
  const file = await readPoints(spec);
  const point = mustFindPoint(file, pointId);
  const stateFile = point.stateFile ? inVmDir(spec, point.stateFile) : null;
  if (stateFile && !existsSync(stateFile)) throw noSuchObject('memory state file', stateFile);
  const frozen = inVmDir(spec, point.layer);
  const wasOn = ON.includes((await ctx.vms.runtime(spec)).state);
  if (wasOn) await quitQemu(ctx, spec);

  const oldActive = spec.diskPath;
  const next = inVmDir(spec, `layer-r${randomBytes(6).toString('hex')}.qcow2`);
  await createLayer(ctx.qemuImg, frozen, next, (await diskInfo(ctx.qemuImg, frozen)).virtualSizeBytes);
  let current: VmSpec;
  try {
    current = await saveDiskAndPoints(ctx, spec, { ...file, active: path.basename(next), currentId: point.id });
  } catch (err) {
    await rm(next, { force: true });
    throw err;
  }
  // The backup bitmaps counted writes of the branch left behind: the next backup is full, and says why.
  await markSidecars(spec.vmDir, 'reverted', point.id);
  // An active file is nobody's backing (a point's layer never is the active file): removable.
  if (oldActive !== next && !pointOfLayer(file, path.basename(oldActive))) await rm(oldActive, { force: true });

  if (stateFile) {
    const s = await launchLocked(ctx, current, true);
    try {
      await loadState(s, stateFile, current.memoryMiB);
    } catch (err) {
      await quitQemu(ctx, current).catch(() => {});
      throw err;
    }
    await s.carryReady(); // the guest resumes where it was: no new boot, no new ready line
    if (point.wasRunning && opts.resume) await contVm(s);
    else s.status = 'paused';
  } else if (wasOn) {
    await launchLocked(ctx, current, false);
  }
  ctx.log(`VM ${spec.id}: reverted to point ${point.id} (${point.kind}) in ${Date.now() - t0} ms`);
  return { vm: await ctx.vms.runtime(current), revertMs: Date.now() - t0, resumedFromMemory: stateFile !== null };
}
