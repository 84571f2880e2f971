// Which point kinds a VM supports now, from its real state (GET /v1/vms/:id/points), each "no"
// with the reason shown in the UI and used as the 409 POINT_UNSUPPORTED message. For memory QEMU
// itself is asked: background-snapshot switched on and off again runs QEMU's own migration
// blocker checks (devices that cannot be saved, userfaultfd missing...) and its words are the reason.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import type { VmSpec } from '../driver/types';
import type { QemuContext } from '../qemu/context';
import { queryMigrate } from '../qemu/migration-qmp';
import { OFF } from '../qemu/vm-registry';
import type { VmSession } from '../qemu/vm-session';
import { OFF_MEMORY_REASON } from './capture-offline';
import { setBackgroundSnapshot } from './point-qmp';
import type { PointCapabilities } from '@/lib/agent-protocol/snapshots';

export const QEMU_NEEDED = 'snapshots need the QEMU driver';
const LOCK_WAIT_MS = 2_000;
const MIGRATING = new Set([
  'setup',
  'active',
  'pre-switchover',
  'device',
  'postcopy-active',
  'cancelling',
  'wait-unplug',
]);

const yes = { ok: true, reason: null };
const no = (reason: string) => ({ ok: false, reason });

export const noCapabilities = (reason: string): PointCapabilities => ({
  disk: no(reason),
  memory: no(reason),
  revert: no(reason),
  clone: no(reason),
});

const onPath = (bin: string) =>
  (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, bin)));

type BlockJob = { type: string; device: string };

// Why the VM's disk chain cannot change now, or null.
async function busyReason(ctx: QemuContext, spec: VmSpec, s: VmSession | null): Promise<string | null> {
  if (ctx.vms.incoming.has(spec.id)) return 'busy: the VM is arriving by live migration';
  if (spec.copyOnRead)
    return 'busy: the disk is still being copied from its backup (instant recovery); wait until it has finished';
  if (!s) return null;
  const { status } = await s.execute<{ status: string }>('query-status');
  if (status === 'postmigrate') return 'busy: the VM has been handed over to another host by live migration';
  if (status === 'inmigrate') return 'busy: the VM is waiting for its incoming state';
  const m = await queryMigrate(s);
  if (m.status && MIGRATING.has(m.status)) return 'busy: a migration or memory state write of the VM is running';
  const jobs = await s.execute<BlockJob[]>('query-block-jobs');
  if (jobs.length) return `busy: ${jobs.map((j) => `${j.type} job ${j.device}`).join(', ')} running`;
  return null;
}

// QEMU's own verdict; the caller holds the VM's lock (a take in progress has the capability on).
async function probeMemory(s: VmSession): Promise<string | null> {
  try {
    await setBackgroundSnapshot(s, true);
  } catch (err) {
    return `QEMU refuses a background memory snapshot: ${errorMessage(err)}`;
  }
  await setBackgroundSnapshot(s, false);
  return null;
}

type Capability = PointCapabilities['disk'];

// The VM's session (null when off) and why its disk chain cannot change now (null: it can).
async function chainState(ctx: QemuContext, spec: VmSpec): Promise<{ s: VmSession | null; busy: string | null }> {
  const state = (await ctx.vms.runtime(spec)).state;
  const s = OFF.includes(state) ? null : await ctx.vms.session(spec);
  if (!OFF.includes(state) && !s) return { s, busy: 'busy: the VM is starting or its QMP socket cannot be attached' };
  return { s, busy: await busyReason(ctx, spec, s) };
}

// opts.locked: the caller already holds ctx.withLock(spec.id); otherwise the QEMU probe waits for
// the lock briefly and answers "busy" when another operation holds it.
async function memoryCapability(
  ctx: QemuContext,
  spec: VmSpec,
  s: VmSession | null,
  opts: { locked?: boolean },
): Promise<Capability> {
  if (!s) return no(OFF_MEMORY_REASON);
  if (!onPath('zstd')) return no('zstd is not installed on this host (it compresses the memory state)');
  const probe = (opts.locked ? probeMemory(s) : ctx.withLock(spec.id, () => probeMemory(s))).catch(
    (err: unknown) => `cannot ask QEMU: ${errorMessage(err)}`,
  );
  const reason = await Promise.race([
    probe,
    sleep(LOCK_WAIT_MS).then(() => 'busy: another operation on this VM is running'),
  ]);
  return reason ? no(reason) : yes;
}

// One kind only (a take, revert or delete checks just what it needs; only memory asks QEMU).
export async function pointCapability(
  ctx: QemuContext,
  spec: VmSpec,
  what: keyof PointCapabilities,
  opts: { locked?: boolean } = {},
): Promise<Capability> {
  const { s, busy } = await chainState(ctx, spec);
  if (busy) return no(busy);
  return what === 'memory' ? memoryCapability(ctx, spec, s, opts) : yes;
}

export async function pointCapabilities(
  ctx: QemuContext,
  spec: VmSpec,
  opts: { locked?: boolean } = {},
): Promise<PointCapabilities> {
  const { s, busy } = await chainState(ctx, spec);
  if (busy) return noCapabilities(busy);
  return { disk: yes, memory: await memoryCapability(ctx, spec, s, opts), revert: yes, clone: yes };
}
