// A point of a stopped VM: the same layer switch as capture.ts, done with qemu-img (nothing holds
// the files). Persistent bitmaps move to the new top with `qemu-img bitmap --add --merge`.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pointUnsupported } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import type { QemuContext } from '../qemu/context';
import { imageBitmaps } from '../qemu/backup-img';
import { runQemuImg } from '../qemu/qemu-img';
import { assertNewPoint, createLayer, pointFileBytes, recordPoint } from './capture';
import { inVmDir, layerName, readPoints, saveDiskAndPoints } from './points-store';
import type { PointKind, PointRecord } from '@/lib/agent-protocol/snapshots';

export const OFF_MEMORY_REASON = 'the VM is off: a checkpoint with memory needs a running VM';

// Precondition: the caller holds ctx.withLock(spec.id) and the VM is off.
export async function captureOffline(
  ctx: QemuContext,
  spec: VmSpec,
  req: { id: string; kind: PointKind; groupId: string | null },
): Promise<PointRecord> {
  if (req.kind === 'memory') throw pointUnsupported(spec.id, 'memory', OFF_MEMORY_REASON);
  const base = await readPoints(spec);
  await assertNewPoint(spec, req.id);
  const frozen = spec.diskPath;
  const next = inVmDir(spec, layerName(req.id));
  const img = await imageBitmaps(ctx.qemuImg, frozen);
  await createLayer(ctx.qemuImg, frozen, next, img.virtualSizeBytes);
  let current: VmSpec;
  try {
    // "in-use": the image was not closed cleanly; such a bitmap cannot be trusted nor merged.
    for (const b of img.bitmaps.filter((x) => !x.flags.includes('in-use'))) {
      const disable = b.flags.includes('auto') ? [] : ['--disable'];
      await runQemuImg(ctx.qemuImg, 'qemu-img bitmap', [
        'bitmap',
        '--add',
        '-g',
        String(b.granularity),
        '--merge',
        b.name,
        '-b',
        frozen,
        '-F',
        'qcow2',
        ...disable,
        '-f',
        'qcow2',
        next,
        b.name,
      ]);
    }
    current = await saveDiskAndPoints(ctx, spec, { ...base, active: path.basename(next) });
  } catch (err) {
    await rm(next, { force: true });
    throw err;
  }
  return recordPoint(current, {
    id: req.id,
    kind: 'disk',
    layer: path.basename(frozen),
    stateFile: null,
    parentId: base.currentId,
    takenAt: new Date().toISOString(),
    wasRunning: false,
    layerBytes: await pointFileBytes(ctx, frozen),
    stateBytes: 0,
    downtimeMs: null,
    pauseMs: null,
    groupId: req.groupId,
  });
}
