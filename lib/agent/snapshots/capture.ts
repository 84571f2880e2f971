// Taking a point of a paused VM (docs/ARCHITECTURE.md, "Snapshots and checkpoints"): the active
// file freezes and becomes the point's layer; a new active file on top of it takes the writes.
// One QMP transaction switches the top layer and adds the carried bitmaps; a checkpoint then
// writes the memory state in the background while the guest runs again. A point is recorded in
// points.json only once complete.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { alreadyExists, errorMessage } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import { withDeadline } from '../fs-bounds';
import { activeDiskNode } from '../qemu/active-node';
import type { QemuContext } from '../qemu/context';
import { diskInfo, runQemuImg } from '../qemu/qemu-img';
import type { VmSession } from '../qemu/vm-session';
import {
  armStateWrite,
  carriedBitmaps,
  contVm,
  startStateWrite,
  stopVm,
  waitStateWritten,
  type NodeBitmap,
} from './point-qmp';
import { openStateWriter, type StateWriter } from './state-writer';
import {
  findPoint,
  inVmDir,
  layerName,
  readPoints,
  saveDiskAndPoints,
  stateName,
  STORE_STEP_MS,
  writePoints,
} from './points-store';
import type { PointKind, PointRecord } from '@/lib/agent-protocol/snapshots';

export type CaptureRequest = {
  id: string;
  kind: PointKind;
  groupId: string | null;
  resume: boolean; // the VM runs again once captured (false: it stays paused)
  stoppedAt?: number | null; // STOP event time (ms), for pauseMs
  wasRunning?: boolean; // before the caller's stop; default: resume
  prepared?: PreparedPoint; // preparePoint() before the stop: a shorter pause
};
export type Capture = { resumedAt: number | null; done: Promise<PointRecord> };

const STATE_WAIT_BASE_MS = 60_000;
const STATE_WAIT_PER_MIB_MS = 100; // 128 MiB took ~3 s under TCG; generous for a loaded host
const STATE_FLUSH_MS = 30_000; // zstd finishing after QEMU's last byte

// A new layer over `frozen` (absolute backing path). -u: qemu-img never opens a file QEMU holds.
export async function createLayer(bin: string, frozen: string, file: string, sizeBytes: number): Promise<void> {
  if (existsSync(file)) throw alreadyExists('disk', file);
  await runQemuImg(bin, 'qemu-img create', [
    'create',
    '-q',
    '-f',
    'qcow2',
    '-u',
    '-b',
    path.resolve(frozen),
    '-F',
    'qcow2',
    file,
    String(sizeBytes),
  ]);
}

export async function pointFileBytes(ctx: QemuContext, file: string): Promise<number> {
  return (await withDeadline(diskInfo(ctx.qemuImg, file), STORE_STEP_MS, `qemu-img info ${file}`)).actualSizeBytes;
}

// Appends the complete point to points.json (read again: the caller holds the VM's lock).
export async function recordPoint(spec: VmSpec, point: PointRecord): Promise<PointRecord> {
  const file = await readPoints(spec);
  await writePoints(spec, {
    ...file,
    currentId: point.id,
    points: [...file.points.filter((p) => p.id !== point.id), point],
  });
  return point;
}

export async function assertNewPoint(spec: VmSpec, id: string): Promise<void> {
  if (findPoint(await readPoints(spec), id) || existsSync(inVmDir(spec, layerName(id))))
    throw alreadyExists('snapshot', id);
}

// State files no point owns: what an agent that died during a state write left (under the lock,
// with no migration running: the capability check refuses while one is).
async function sweepStateFiles(spec: VmSpec): Promise<void> {
  const owned = new Set((await readPoints(spec)).points.map((p) => p.stateFile));
  const files = await withDeadline(readdir(spec.vmDir), STORE_STEP_MS, `listing ${spec.vmDir}`);
  for (const f of files)
    if (/^state-.+\.zst(\.partial)?$/.test(f) && !owned.has(f)) await rm(inVmDir(spec, f), { force: true });
}

// What a point needs before the VM stops (none of it changes what the guest sees): the new layer
// file, its block node (not yet in the chain), the bitmaps to carry and, for a checkpoint, the
// migration settings. Keeps the pause down to the transaction itself.
export type PreparedPoint = {
  id: string;
  kind: PointKind;
  frozen: string;
  next: string;
  node: string;
  top: string;
  bitmaps: NodeBitmap[];
  armed: { restore: () => Promise<void>; writer: StateWriter } | null;
  discard: () => Promise<void>; // before the transaction only
};

// Precondition: the caller holds ctx.withLock(spec.id) (no backup adds a bitmap meanwhile).
export async function preparePoint(
  ctx: QemuContext,
  spec: VmSpec,
  s: VmSession,
  id: string,
  kind: PointKind,
): Promise<PreparedPoint> {
  await assertNewPoint(spec, id);
  const frozen = spec.diskPath;
  const next = inVmDir(spec, layerName(id));
  const top = await activeDiskNode(s);
  const bitmaps = await carriedBitmaps(s, top);
  await createLayer(ctx.qemuImg, frozen, next, (await diskInfo(ctx.qemuImg, frozen)).virtualSizeBytes);
  const node = `p${randomBytes(6).toString('hex')}`; // node names: at most 31 characters
  let added = false;
  let armed: PreparedPoint['armed'] = null;
  const discard = async () => {
    if (added) await s.execute('blockdev-del', { 'node-name': node }).catch(() => {});
    await armed?.restore().catch(() => {});
    await armed?.writer.abort();
    await rm(next, { force: true });
  };
  try {
    await s.execute('blockdev-add', {
      driver: 'qcow2',
      'node-name': node,
      file: { driver: 'file', filename: next, 'node-name': `${node}-f` },
      backing: null,
    });
    added = true;
    if (kind === 'memory') {
      await sweepStateFiles(spec);
      const writer = await openStateWriter(inVmDir(spec, stateName(id)));
      try {
        armed = { ...(await armStateWrite(s)), writer };
      } catch (err) {
        await writer.abort();
        throw err;
      }
    }
  } catch (err) {
    await discard();
    throw err;
  }
  return { id, kind, frozen, next, node, top, bitmaps, armed, discard };
}

// Precondition: the caller holds ctx.withLock(spec.id) and has sent `stop`. On return or throw the
// VM runs again iff req.resume. `done` settles once the point is complete and recorded (a
// checkpoint: when its state file is written); it never rejects unobserved.
export async function capturePaused(
  ctx: QemuContext,
  spec: VmSpec,
  s: VmSession,
  req: CaptureRequest,
): Promise<Capture> {
  let resumedAt: number | null = null;
  const resumeIfAsked = async () => {
    if (req.resume && s.status !== 'running') resumedAt = await contVm(s);
  };
  let p = req.prepared ?? null;
  try {
    const base = await readPoints(spec);
    p ??= await preparePoint(ctx, spec, s, req.id, req.kind);
    const { frozen, next, node, top, bitmaps } = p;
    try {
      await s.execute('transaction', {
        actions: [
          { type: 'blockdev-snapshot', data: { node: top, overlay: node } },
          ...bitmaps.map((b) => ({
            type: 'block-dirty-bitmap-add',
            data: { node, name: b.name, persistent: true, granularity: b.granularity, disabled: !b.recording },
          })),
        ],
      });
    } catch (err) {
      await p.discard();
      throw err;
    }
    const armed = p.armed;
    p = null; // in the chain now: nothing to discard any more
    // vm.json must name the new file (it takes the guest's writes from now on) whatever follows;
    // written once the guest runs again, so the pause holds only QEMU's part of the work.
    let saving: Promise<VmSpec> | null = null;
    const save = () => (saving ??= saveDiskAndPoints(ctx, spec, { ...base, active: path.basename(next) }));
    const stateFile = inVmDir(spec, stateName(req.id));
    try {
      // Paused: nothing was written between the transaction and the merge.
      for (const b of bitmaps)
        await s.execute('block-dirty-bitmap-merge', { node, target: b.name, bitmaps: [{ node: top, name: b.name }] });
      if (armed) {
        resumedAt = await startStateWrite(s, armed.writer.uri);
        if (!req.resume) {
          await stopVm(s); // QEMU resumed a VM that is meant to stay paused
          resumedAt = null;
        }
      } else {
        await resumeIfAsked();
      }
    } catch (err) {
      await armed?.restore().catch(() => {});
      await armed?.writer.abort();
      await save().catch((e: unknown) =>
        ctx.log(`VM ${spec.id}: cannot record its new disk ${next}: ${errorMessage(e)}`),
      );
      throw err;
    }

    const record = (
      current: VmSpec,
      extra: Pick<PointRecord, 'stateFile' | 'stateBytes' | 'downtimeMs'>,
    ): Promise<PointRecord> =>
      pointFileBytes(ctx, frozen).then((layerBytes) =>
        recordPoint(current, {
          id: req.id,
          kind: req.kind,
          layer: path.basename(frozen),
          parentId: base.currentId,
          takenAt: new Date(req.stoppedAt ?? Date.now()).toISOString(),
          wasRunning: req.wasRunning ?? req.resume,
          layerBytes,
          pauseMs: req.stoppedAt != null && resumedAt != null ? Math.max(0, resumedAt - req.stoppedAt) : null,
          groupId: req.groupId,
          ...extra,
        }),
      );

    if (!armed) {
      const current = await save();
      const done = record(current, { stateFile: null, stateBytes: 0, downtimeMs: null });
      done.catch(() => {});
      return { resumedAt, done };
    }
    const done = (async () => {
      let downtimeMs: number | null;
      let current: VmSpec;
      try {
        current = await save();
        downtimeMs = await waitStateWritten(s, STATE_WAIT_BASE_MS + spec.memoryMiB * STATE_WAIT_PER_MIB_MS);
        await withDeadline(armed.writer.complete(), STATE_FLUSH_MS, `compressing the memory state into ${stateFile}`);
      } catch (err) {
        await s.execute('migrate_cancel').catch(() => {});
        await armed.writer.abort();
        ctx.log(
          `VM ${spec.id}: memory state of point ${req.id} not written (${errorMessage(err)}); the disk layers stay as they are`,
        );
        throw err;
      } finally {
        await armed
          .restore()
          .catch((err: unknown) => ctx.log(`VM ${spec.id}: cannot turn background-snapshot off: ${errorMessage(err)}`));
      }
      const stateBytes = (await withDeadline(stat(stateFile), STORE_STEP_MS, `reading ${stateFile}`)).size;
      return record(current, { stateFile: path.basename(stateFile), stateBytes, downtimeMs });
    })();
    done.catch(() => {});
    return { resumedAt, done };
  } catch (err) {
    await p?.discard();
    await resumeIfAsked().catch(() => {});
    throw err;
  }
}
