// points.json and the layer graph on real qcow2 files (qemu-img only, no QEMU process): the
// defaults, the round trip, the children read from the headers, clones found by linkedTo, and the
// delete plan's refusals (branch point, clones) before anything is touched.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmSpec } from '../driver/types';
import type { QemuContext } from '../qemu/context';
import { tempDir } from '@/lib/testing/temp-dir';
import { planDelete } from './delete';
import {
  childrenOf,
  clonesOf,
  layerGraph,
  pointOfLayer,
  readPoints,
  saveDiskAndPoints,
  writePoints,
} from './points-store';
import type { PointRecord, PointsFile } from '@/lib/agent-protocol/snapshots';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let ctx: QemuContext;
let spec: VmSpec;
const MiB = 1024 * 1024;

const qcow2 = (file: string, backing?: string) =>
  execFileSync('qemu-img', [
    'create',
    '-q',
    '-f',
    'qcow2',
    ...(backing ? ['-b', backing, '-F', 'qcow2'] : []),
    file,
    String(16 * MiB),
  ]);
const inDir = (f: string) => path.join(spec.vmDir, f);
const point = (id: string, layer: string, parentId: string | null): PointRecord => ({
  id,
  kind: 'disk',
  layer,
  stateFile: null,
  parentId,
  takenAt: '2026-12-06T12:00:00.000Z',
  wasRunning: true,
  layerBytes: 0,
  stateBytes: 0,
  downtimeMs: null,
  pauseMs: 1,
  groupId: null,
});

function makeSpec(id: string): VmSpec {
  const vmDir = path.join(tmp.path, 'pool', 'vms', id);
  mkdirSync(vmDir, { recursive: true });
  return {
    id,
    name: id,
    vcpus: 1,
    memoryMiB: 64,
    pool: 'local',
    vmDir,
    diskPath: path.join(vmDir, 'disk0.qcow2'),
    boot: {},
  };
}

beforeAll(async () => {
  tmp = await tempDir('vmops-points-');
  ctx = {
    qemuImg: 'qemu-img',
    pools: [{ name: 'local', kind: 'local', path: path.join(tmp.path, 'pool') }],
    vms: { specs: new Map() },
  } as unknown as QemuContext;
  spec = makeSpec('vm-points');
  // image <- disk0 (p1) <- layer-p1 (p2) <- layer-p2 (active); disk0 <- layer-rx (p3: a branch)
  qcow2(path.join(tmp.path, 'image.qcow2'));
  qcow2(inDir('disk0.qcow2'), path.join(tmp.path, 'image.qcow2'));
  qcow2(inDir('layer-p1.qcow2'), inDir('disk0.qcow2'));
  qcow2(inDir('layer-p2.qcow2'), inDir('layer-p1.qcow2'));
});

afterAll(() => tmp?.remove());

describe('points.json', () => {
  it('reads a VM that never had a point as its disk being the active file', async () => {
    expect(await readPoints(spec)).toEqual({
      format: 1,
      vmId: 'vm-points',
      active: 'disk0.qcow2',
      currentId: null,
      points: [],
    });
  });

  it('writes vm.json and points.json together and reads them back', async () => {
    const file: PointsFile = {
      format: 1,
      vmId: spec.id,
      active: 'layer-p2.qcow2',
      currentId: 'p2-x',
      points: [point('p1-x', 'disk0.qcow2', null), point('p2-x', 'layer-p1.qcow2', 'p1-x')],
    };
    spec = await saveDiskAndPoints(ctx, spec, file);
    expect(spec.diskPath).toBe(inDir('layer-p2.qcow2'));
    expect(JSON.parse(execFileSync('cat', [inDir('vm.json')], { encoding: 'utf8' })).diskPath).toBe(
      inDir('layer-p2.qcow2'),
    );
    expect(await readPoints(spec)).toEqual(file);
    expect(pointOfLayer(file, 'layer-p1.qcow2')?.id).toBe('p2-x');
    expect(pointOfLayer(file, 'layer-p2.qcow2')).toBeNull();
  });

  it('refuses a points.json that is not one (never guesses)', async () => {
    const other = makeSpec('vm-broken');
    writeFileSync(
      inDir('../vm-broken/points.json'),
      JSON.stringify({ format: 1, vmId: 'vm-broken', active: '../../etc/passwd', currentId: null, points: [] }),
    );
    await expect(readPoints(other)).rejects.toMatchObject({ code: 'QEMU_ERROR' });
    await expect(
      writePoints(other, { format: 1, vmId: 'vm-broken', active: 'a/b', currentId: null, points: [] }),
    ).rejects.toThrow();
  });
});

describe('layer graph', () => {
  it("reads each file's backing from its header", async () => {
    const graph = await layerGraph(ctx, spec, await readPoints(spec));
    expect(childrenOf(graph, inDir('disk0.qcow2'))).toEqual([inDir('layer-p1.qcow2')]);
    expect(childrenOf(graph, inDir('layer-p1.qcow2'))).toEqual([inDir('layer-p2.qcow2')]);
    expect(childrenOf(graph, inDir('layer-p2.qcow2'))).toEqual([]);
    expect(graph.get(inDir('disk0.qcow2'))).toBe(path.join(tmp.path, 'image.qcow2'));
  });

  it('plans a delete: leaf, one child (its point takes the layer), refusals before anything changes', async () => {
    const leaf = await planDelete(ctx, spec, 'p2-x');
    expect(leaf.child).toBe(inDir('layer-p2.qcow2')); // the active file: an active commit
    expect(leaf.childPoint).toBeNull();
    const middle = await planDelete(ctx, spec, 'p1-x');
    expect(middle.child).toBe(inDir('layer-p1.qcow2'));
    expect(middle.childPoint?.id).toBe('p2-x');
    expect(middle.grandchildren).toEqual([inDir('layer-p2.qcow2')]);

    // A revert to p1 made a branch at disk0: p1 is a branch point now.
    qcow2(inDir('layer-rx.qcow2'), inDir('disk0.qcow2'));
    const file = await readPoints(spec);
    await writePoints(spec, { ...file, points: [...file.points, point('p3-x', 'layer-rx.qcow2', 'p1-x')] });
    await expect(planDelete(ctx, spec, 'p1-x')).rejects.toMatchObject({
      code: 'POINT_IN_USE',
      status: 409,
      message: expect.stringMatching(/branch point of 2 branches/),
    });
    await expect(planDelete(ctx, spec, 'nope-x')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
  });

  it('finds linked clones by their vm.json and refuses to delete what they read', async () => {
    const clone = makeSpec('vm-clone');
    writeFileSync(
      path.join(clone.vmDir, 'vm.json'),
      JSON.stringify({ ...clone, linkedTo: { vmId: spec.id, pointId: 'p3-x' } }),
    );
    writeFileSync(path.join(makeSpec('vm-junk').vmDir, 'vm.json'), '{not json');
    expect(await clonesOf(ctx, spec.id)).toEqual([{ vmId: 'vm-clone', pointId: 'p3-x' }]);
    expect(await clonesOf(ctx, 'vm-clone')).toEqual([]);
    await expect(planDelete(ctx, spec, 'p3-x')).rejects.toMatchObject({
      code: 'POINT_IN_USE',
      data: { clones: [{ vmId: 'vm-clone', pointId: 'p3-x' }] },
      message: expect.stringMatching(/vm-clone/),
    });
  });
});
