// <vmDir>/points.json, the agent's truth about a VM's points (lib/agent-protocol/snapshots.ts), and the layer graph
// read from the qcow2 headers themselves: which file backs on which. vm.json (spec.diskPath) and
// points.json (`active`) always name the same active file; saveDiskAndPoints writes both.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { noSuchObject, qemuError } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import { withDeadline } from '../fs-bounds';
import type { QemuContext } from '../qemu/context';
import { diskInfo } from '../qemu/qemu-img';
import { saveSpec } from '../qemu/restore-stream';
import { readJson, writeJson } from '../qemu/vm-files';
import { pointsFileSchema, type PointRecord, type PointsFile } from '@/lib/agent-protocol/snapshots';

const POINTS_FILE = 'points.json';
// Every file-system or qemu-img step a request triggers is bounded (a hung shared pool must not
// hang the agent's request forever).
export const STORE_STEP_MS = 15_000;

export const layerName = (id: string) => `layer-${id}.qcow2`;
export const stateName = (id: string) => `state-${id}.zst`;
const pointsPath = (spec: VmSpec) => path.join(spec.vmDir, POINTS_FILE);
export const inVmDir = (spec: VmSpec, file: string) => path.join(spec.vmDir, file);

// A VM that never had a point has no points.json: its disk file is the active one.
export async function readPoints(spec: VmSpec): Promise<PointsFile> {
  const raw = await withDeadline(readJson<unknown>(pointsPath(spec)), STORE_STEP_MS, `reading ${pointsPath(spec)}`);
  if (raw === null)
    return { format: 1, vmId: spec.id, active: path.basename(spec.diskPath), currentId: null, points: [] };
  const parsed = pointsFileSchema.safeParse(raw);
  if (!parsed.success)
    throw qemuError(
      `VM ${spec.id}`,
      `${pointsPath(spec)} is not a valid points file: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
}

export const findPoint = (file: PointsFile, pointId: string): PointRecord | null =>
  file.points.find((p) => p.id === pointId) ?? null;

export function mustFindPoint(file: PointsFile, pointId: string): PointRecord {
  const p = findPoint(file, pointId);
  if (!p) throw noSuchObject('snapshot', pointId);
  return p;
}

// The active file changes (take, revert, delete-merge): vm.json first names it, then points.json.
// Both are tmp+rename writes; a crash between them leaves vm.json right (the VM starts on the
// right disk) and points.json's `active` stale, which readPoints callers never use for I/O.
export async function saveDiskAndPoints(ctx: QemuContext, spec: VmSpec, file: PointsFile): Promise<VmSpec> {
  const next: VmSpec = { ...spec, diskPath: inVmDir(spec, file.active) };
  if (next.diskPath !== spec.diskPath)
    await withDeadline(saveSpec(ctx, next), STORE_STEP_MS, `writing vm.json of ${spec.id}`);
  await writePoints(next, file);
  return next;
}

export async function writePoints(spec: VmSpec, file: PointsFile): Promise<void> {
  await withDeadline(
    writeJson(pointsPath(spec), pointsFileSchema.parse(file)),
    STORE_STEP_MS,
    `writing ${pointsPath(spec)}`,
  );
}

// Backing file of a qcow2 (absolute), or null. -U: works while QEMU holds the file.
export async function backingOf(ctx: QemuContext, file: string): Promise<string | null> {
  const info = await withDeadline(diskInfo(ctx.qemuImg, file), STORE_STEP_MS, `qemu-img info ${file}`);
  return info.backingPath ? path.resolve(path.dirname(file), info.backingPath) : null;
}

// The VM's own qcow2 files (active + every point's layer) and what each backs on.
export type LayerGraph = Map<string, string | null>; // absolute file -> absolute backing

export async function layerGraph(ctx: QemuContext, spec: VmSpec, file: PointsFile): Promise<LayerGraph> {
  const files = new Set([inVmDir(spec, file.active), ...file.points.map((p) => inVmDir(spec, p.layer))]);
  const graph: LayerGraph = new Map();
  for (const f of files) graph.set(f, await backingOf(ctx, f));
  return graph;
}

// Files of this VM that back directly on `layer` (absolute path).
export const childrenOf = (graph: LayerGraph, layer: string): string[] =>
  [...graph].filter(([, b]) => b === layer).map(([f]) => f);

// The point whose frozen layer is `layerFile` (a file name in the VM directory).
export const pointOfLayer = (file: PointsFile, layerFile: string): PointRecord | null =>
  file.points.find((p) => p.layer === layerFile) ?? null;

export type CloneRef = { vmId: string; pointId: string };

// Linked clones of VM `vmId`: every vm.json in the pools (shared pools too: a clone may belong to
// another host) whose linkedTo names it. Bounded per pool listing and per file.
export async function clonesOf(ctx: QemuContext, vmId: string): Promise<CloneRef[]> {
  const found: CloneRef[] = [];
  for (const pool of ctx.pools) {
    const dir = path.join(pool.path, 'vms');
    const entries = await withDeadline(readdir(dir), STORE_STEP_MS, `listing ${dir}`).catch(() => [] as string[]);
    for (const e of entries) {
      if (e === vmId) continue;
      const spec = await withDeadline(
        readJson<VmSpec>(path.join(dir, e, 'vm.json')),
        STORE_STEP_MS,
        `reading ${e}/vm.json`,
      ).catch(() => null);
      if (spec?.linkedTo?.vmId === vmId) found.push({ vmId: spec.id, pointId: spec.linkedTo.pointId });
    }
  }
  return found;
}
