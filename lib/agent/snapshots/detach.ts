// Make a linked clone independent: the data it reads from its parent's layers is copied into its
// own bottom layer (disk0.qcow2; the top one unless the clone has points itself), whose backing
// becomes the image repository file, like any VM's. Running: block-stream with base-node = the
// repository node (progress from the job); off: a safe qemu-img rebase. Then vm.json loses linkedTo
// and the parent's point can be deleted.
import path from 'node:path';
import { conflict, pointUnsupported, qemuError } from '@/lib/errors';
import { waitFor } from '@/lib/wait-for';
import type { VmSpec } from '../driver/types';
import type { Operation } from '@/lib/agent-protocol/core';
import type { OperationHandle } from '../operations';
import { rebase } from '../qemu/backup-img';
import { requireQemu, type QemuContext } from '../qemu/context';
import { saveSpec, waitConcluded, type StreamProgress } from '../qemu/restore-stream';
import { ON } from '../qemu/vm-registry';
import type { VmSession } from '../qemu/vm-session';
import { pointCapabilities } from './capabilities';
import type { CloneDeps } from './clone';
import { backingOf } from './points-store';

export const DETACH_JOB_PREFIX = 'vmops-detach-';
const MAX_CHAIN = 256;

type NamedNode = { 'node-name': string; drv: string; file: string };

// Top first: every file of the disk's backing chain (absolute paths).
export async function backingChain(ctx: QemuContext, top: string): Promise<string[]> {
  const chain = [path.resolve(top)];
  for (let b = await backingOf(ctx, top); b; b = await backingOf(ctx, b)) {
    if (chain.includes(b) || chain.length >= MAX_CHAIN)
      throw qemuError('qemu-img info', `backing chain of ${top} loops or is deeper than ${MAX_CHAIN}`);
    chain.push(b);
  }
  return chain;
}

const within = (dir: string, file: string) => {
  const rel = path.relative(path.resolve(dir), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

// Pure: in the chain (top first), the clone's own bottom file (the last one in its directory) and
// the first file below it outside every pool's VM directories, i.e. the image repository file
// (null: the parent's disk stands alone, so the clone will too).
export function detachPlan(
  chain: string[],
  vmDir: string,
  poolDirs: string[],
): { bottom: string; base: string | null } {
  const own = chain.filter((f) => within(vmDir, f));
  const bottom = own.at(-1);
  if (!bottom || chain.indexOf(bottom) !== own.length - 1)
    throw qemuError('detach', `the disk chain of ${vmDir} does not start in its own directory: ${chain.join(' -> ')}`);
  const base = chain.slice(own.length).find((f) => !poolDirs.some((d) => within(path.join(d, 'vms'), f))) ?? null;
  return { bottom, base };
}

export async function detachClone(deps: CloneDeps, id: string): Promise<Operation> {
  const ctx = requireQemu(deps.driver, 'Making a linked clone independent');
  const spec = await ctx.vms.must(id);
  if (!spec.linkedTo) throw conflict(`VM ${id} is not a linked clone`, { vmId: id });
  await assertChainFree(ctx, spec, false);
  const from = spec.linkedTo;
  return deps.vms.begin(
    id,
    'vm.detach',
    `making VM ${id} independent of VM ${from.vmId} (snapshot ${from.pointId})`,
    (op) => ctx.withLock(id, () => runDetach(ctx, id, op)),
  );
}

// No migration, no other block job on the disk chain (the same conditions as a revert).
async function assertChainFree(ctx: QemuContext, spec: VmSpec, locked: boolean): Promise<void> {
  const cap = (await pointCapabilities(ctx, spec, { locked })).revert;
  if (!cap.ok) throw pointUnsupported(spec.id, 'be made independent', cap.reason ?? 'not possible now');
}

async function runDetach(ctx: QemuContext, id: string, op: OperationHandle): Promise<null> {
  const spec = await ctx.vms.must(id);
  if (!spec.linkedTo) return null; // made independent meanwhile
  await assertChainFree(ctx, spec, true);
  const { bottom, base } = detachPlan(
    await backingChain(ctx, spec.diskPath),
    spec.vmDir,
    ctx.pools.map((p) => p.path),
  );
  const progress = ({ bytesDone, bytesTotal }: StreamProgress) =>
    op.report(
      bytesTotal ? 0.95 * (bytesDone / bytesTotal) : 0,
      `copying from the parent's snapshot: ${bytesTotal ? Math.round((100 * bytesDone) / bytesTotal) : 0}%`,
      { bytesDone, bytesTotal },
    );
  progress({ bytesDone: 0, bytesTotal: 0 });
  const state = (await ctx.vms.runtime(spec)).state;
  if (ON.includes(state)) await streamLive(ctx, await ctx.vms.expectSession(id, ON), bottom, base, progress);
  else await rebase(ctx.qemuImg, bottom, base, (f) => progress({ bytesDone: Math.round(f * 100), bytesTotal: 100 }));

  const now = await backingOf(ctx, bottom);
  if (now !== base)
    throw qemuError('detach', `${bottom} backs on ${now ?? 'nothing'} after the copy, expected ${base ?? 'nothing'}`);
  const { linkedTo, ...independent } = spec;
  await saveSpec(ctx, independent satisfies VmSpec);
  ctx.log(
    `VM ${id}: independent of VM ${linkedTo.vmId} (snapshot ${linkedTo.pointId}); ${path.basename(bottom)} backs on ${base ?? 'nothing'}`,
  );
  return null;
}

async function streamLive(
  ctx: QemuContext,
  s: VmSession,
  bottom: string,
  base: string | null,
  onProgress: (p: StreamProgress) => void,
): Promise<void> {
  const nodes = await s.execute<NamedNode[]>('query-named-block-nodes', { flat: true });
  const nodeOf = (file: string) => {
    const n = nodes.find((x) => x.drv === 'qcow2' && path.resolve(x.file) === file);
    if (!n) throw qemuError('detach', `VM ${s.id} has no qcow2 node for ${file}`);
    return n['node-name'];
  };
  const jobId = `${DETACH_JOB_PREFIX}${s.id}`.slice(0, 120);
  const gone = async () => {
    await waitFor(`VM ${s.id} gone`, () => s.isGone, 3_000, 50).catch(() => {});
    return conflict(
      `VM ${s.id} stopped while it was being made independent; it is still a linked clone (run it again)`,
      { vmId: s.id },
    );
  };
  const qmp = async <T>(cmd: string, args?: Record<string, unknown>): Promise<T> => {
    try {
      return await s.execute<T>(cmd, args);
    } catch (err) {
      if (s.isGone || (await s.waitExit(3_000))) throw await gone();
      throw err;
    }
  };
  // Explicit base: the repository image is never written, and it stays the clone's backing file.
  await qmp('block-stream', {
    'job-id': jobId,
    device: nodeOf(bottom),
    ...(base ? { 'base-node': nodeOf(base) } : {}),
    'auto-dismiss': false,
  });
  const job = await waitConcluded(s, jobId, qmp, onProgress, gone);
  await qmp('job-dismiss', { id: jobId });
  if (job.error) throw qemuError('block-stream', job.error);
  ctx.log(`VM ${s.id}: block-stream into ${bottom} done (${job['total-progress']} bytes)`);
}
