// Restore a backup chain as a new VM on this host. copy: qemu-img convert into a standalone pool
// disk, define, start. instant: an overlay backed by the (read-only) backup, started at once
// behind a copy-on-read filter, then block-stream into the overlay while the guest runs. Every
// step registers its undo, so a failure (or the VM deleted mid-stream) leaves nothing behind.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { alreadyExists, invalidInput, noSuchObject, storageFull } from '@/lib/errors';
import type { PoolConfig } from '../config';
import type { Driver, VmSpec } from '../driver/types';
import { poolSpace } from '../host-info';
import type { OperationHandle } from '../operations';
import { requireQemu } from '../qemu/context';
import { convertToQcow2, createOverlay, diskInfo, measureQcow2 } from '../qemu/qemu-img';
import { streamFromBackup } from '../qemu/restore-stream';
import { UndoStack } from '../undo';
import type { RestoreDetail, RestoreResult, RestoreVmInput } from '@/lib/agent-protocol/restore';

export type RestoreDeps = { driver: Driver; pools: PoolConfig[]; log: (msg: string) => void };

const COPY_SHARE = 0.9; // of the progress bar in copy mode (the rest: define + start)
const START_SHARE = 0.05; // instant mode: overlay + start, the rest is streaming

// The backup file must exist and the pool must hold the flattened chain: an instant restore ends
// up with the same standalone disk as a copy, only later.
export async function checkRestoreSource(
  deps: RestoreDeps,
  sourcePath: string,
  poolName: string,
): Promise<{ pool: PoolConfig; needBytes: number }> {
  const pool = deps.pools.find((p) => p.name === poolName);
  if (!pool)
    throw invalidInput({ 'vm.pool': [`unknown pool; this host has ${deps.pools.map((p) => p.name).join(', ')}`] });
  if (!existsSync(sourcePath)) throw noSuchObject('backup file', sourcePath);
  const q = requireQemu(deps.driver, 'Restore');
  const needBytes = await measureQcow2(q.qemuImg, sourcePath);
  const free = (await poolSpace(pool.path)).freeBytes;
  if (free < needBytes) throw storageFull(pool.name, needBytes, free);
  return { pool, needBytes };
}

export type RestorePlan = { req: RestoreVmInput; spec: VmSpec; bytesTotal: number };

// Everything that can be refused is checked before the operation starts, so the caller gets the
// coded error (404 backup file, 409 existing VM, 507 pool full) as the HTTP answer.
export async function planRestore(deps: RestoreDeps, req: RestoreVmInput): Promise<RestorePlan> {
  const q = requireQemu(deps.driver, 'Restore');
  const { id } = req.vm;
  const { pool } = await checkRestoreSource(deps, req.sourcePath, req.vm.pool);
  for (const [field, file] of [
    ['vm.boot.kernelPath', req.vm.boot.kernelPath],
    ['vm.boot.initrdPath', req.vm.boot.initrdPath],
  ] as const) {
    if (file && !existsSync(file)) throw invalidInput({ [field]: [`${file} does not exist on this host`] });
  }
  const vmDir = path.join(pool.path, 'vms', id);
  if ((await deps.driver.getVm(id)) || existsSync(vmDir)) throw alreadyExists('VM', id);
  const spec: VmSpec = {
    ...req.vm,
    pool: pool.name,
    vmDir,
    diskPath: path.join(vmDir, 'disk0.qcow2'),
    ...(req.mode === 'instant' ? { copyOnRead: true } : {}),
  };
  await q.startGuard(spec); // HA: refused before copying when it could not start here
  return { req, spec, bytesTotal: (await diskInfo(q.qemuImg, req.sourcePath)).virtualSizeBytes };
}

export async function restoreVm(
  deps: RestoreDeps,
  { req, spec, bytesTotal }: RestorePlan,
  op: OperationHandle,
): Promise<RestoreResult> {
  const { driver, log } = deps;
  const q = requireQemu(driver, 'Restore');
  const t0 = Date.now();
  const { id, vmDir } = spec;
  const instant = req.mode === 'instant';
  const detail = (d: Partial<RestoreDetail>): RestoreDetail => ({
    phase: 'copying',
    runningAfterMs: null,
    bytesDone: 0,
    bytesTotal,
    ...d,
  });

  return UndoStack.run(log, async (undo) => {
    await mkdir(vmDir, { recursive: true });
    // Under the VM's lock: never concurrently with a delete's own removal of the directory.
    undo.push(`remove ${vmDir}`, () => q.withLock(id, () => rm(vmDir, { recursive: true, force: true })));
    if (instant) {
      await createOverlay(q.qemuImg, spec.diskPath, req.sourcePath);
    } else {
      op.report(0, 'copying the backup into the pool', detail({}));
      await convertToQcow2(q.qemuImg, req.sourcePath, spec.diskPath, (f) =>
        op.report(
          f * COPY_SHARE,
          `copying the backup into the pool: ${Math.round(f * 100)}%`,
          detail({ bytesDone: Math.round(f * bytesTotal) }),
        ),
      );
    }
    await driver.defineVm(spec);
    // The VM may already be gone (deleted while streaming): then there is nothing to undefine.
    undo.push(`undefine VM ${id}`, async () => (await driver.getVm(id)) && driver.undefineVm(id));
    if (!req.start) return { runningAfterMs: null, totalMs: Date.now() - t0, diskPath: spec.diskPath };

    undo.push(`kill VM ${id}`, async () => {
      const vm = await driver.getVm(id);
      if (vm && (vm.state === 'running' || vm.state === 'paused')) await driver.killVm(id);
    });
    op.report(
      instant ? START_SHARE / 2 : COPY_SHARE,
      'starting the VM',
      detail({ phase: 'starting', bytesDone: instant ? 0 : bytesTotal }),
    );
    await driver.startVm(id);
    const runningAfterMs = Date.now() - t0;
    log(`restore ${id}: running after ${runningAfterMs} ms (${req.mode}) from ${req.sourcePath}`);
    if (!instant) return { runningAfterMs, totalMs: Date.now() - t0, diskPath: spec.diskPath };

    op.report(START_SHARE, 'running from the backup; streaming', detail({ phase: 'streaming', runningAfterMs }));
    await streamFromBackup(q, id, ({ bytesDone, bytesTotal: total }) => {
      const f = total > 0 ? bytesDone / total : 0;
      op.report(
        START_SHARE + (1 - START_SHARE) * f,
        `running from the backup; streaming ${Math.round(f * 100)}%`,
        detail({ phase: 'streaming', runningAfterMs, bytesDone, bytesTotal: total }),
      );
    });
    op.report(
      1,
      'streamed; the disk no longer depends on the backup',
      detail({ phase: 'finishing', runningAfterMs, bytesDone: bytesTotal }),
    );
    log(`restore ${id}: streamed from ${req.sourcePath} in ${Date.now() - t0} ms`);
    return { runningAfterMs, totalMs: Date.now() - t0, diskPath: spec.diskPath };
  });
}
