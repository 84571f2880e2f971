import 'server-only';
import type { Operation } from '@/lib/agent-protocol/core';
import type { AgentClient } from '@/lib/agent-client';
import { waitForOperation } from '@/lib/agent-client/wait';
import { migrateResultSchema } from '@/lib/agent-protocol/migration';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { MIGRATION_STATE, type MigrationPhase, type MigrationProgressDto } from '@/lib/domain/migrations/dto';
import { CANCEL_PREFIX } from '@/lib/domain/migrations/service';
import type { TaskPayload } from '@/lib/domain/tasks/kinds';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import type { Migration } from '@/lib/generated/prisma/client';
import { AppError, errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskContext, TaskHandler } from '../context';
import { recordOnTarget, releaseSource } from './vm-migrate-outcome';
import { reconcileMigration } from './vm-migrate-reconcile';

const PHASE_TEXT: Record<MigrationPhase, string> = {
  preparing: 'Preparing the target to receive the VM',
  mirror: 'Mirroring the disk to the target while the VM runs',
  memory: 'Copying memory (pre-copy rounds)',
  completing: 'Pausing the VM for the final copy (downtime)',
  finishing: 'Starting the VM on the target',
};

const cancelled = (message: string) => new AppError('CANCELLED', message, 409);
const isCancel = (err: unknown) => err instanceof AppError && err.code === 'CANCELLED';

async function cancelRequest(migrationId: string): Promise<string | null> {
  const m = await db().migration.findUniqueOrThrow({ where: { id: migrationId }, select: { error: true } });
  return m.error?.startsWith(CANCEL_PREFIX) ? m.error : null;
}

// The live figures go into the task's result JSON while it runs (the Migration DTO reads them
// from there); a step is logged on every phase change.
function progressWriter(ctx: TaskContext, migrationId: string) {
  let phase: MigrationPhase | null = null;
  return async (p: Omit<MigrationProgressDto, 'updatedAt'>, fraction: number) => {
    if (p.phase !== phase) {
      phase = p.phase;
      await ctx.step(PHASE_TEXT[p.phase]);
    }
    const progress: MigrationProgressDto = { ...p, updatedAt: new Date().toISOString() };
    await db().task.update({ where: { id: ctx.id }, data: { result: JSON.stringify({ migrationId, progress }) } });
    await ctx.progress(fraction);
  };
}

const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
function fromOperation(op: Operation): Omit<MigrationProgressDto, 'updatedAt'> {
  const d = op.detail ?? {};
  const phase = d.phase === 'mirror' || d.phase === 'completing' ? d.phase : 'memory';
  return {
    phase,
    transferredBytes: num(d.transferredBytes),
    remainingBytes: num(d.remainingBytes),
    totalBytes: num(d.totalBytes),
    dirtyPagesRate: num(d.dirtyPagesRate),
    expectedDowntimeMs: typeof d.expectedDowntimeMs === 'number' ? d.expectedDowntimeMs : null,
  };
}

// Runs the agent migration on the source, relaying its progress and honouring a cancel request.
async function runSourceMigration(
  ctx: TaskContext,
  m: Migration,
  source: AgentClient,
  incoming: Awaited<ReturnType<AgentClient['prepareIncoming']>>,
  payload: TaskPayload<'vm.migrate'>,
) {
  const write = progressWriter(ctx, m.id);
  const op = await source.migrateVm(m.vmId, {
    migrationUri: incoming.migrationUri,
    nbd: incoming.nbd,
    mode: m.mode as 'shared' | 'storage',
    maxBandwidthBytes: payload.maxBandwidthBytes,
    downtimeLimitMs: payload.downtimeLimitMs,
  });
  let chain = Promise.resolve();
  let cancelAsked = false;
  // Polled at most 100 ms apart (not the default 500): the hand-over waits for this poll to see the
  // copy done; 200 ms apart still added 0-200 ms to sub-second migrations (docs/BENCHMARKS.md).
  const done = await waitForOperation(
    source,
    op.id,
    (o) => {
      // A failed progress write must not fail a migration that is going well.
      chain = chain
        .then(async () => {
          await write(fromOperation(o), 0.1 + 0.8 * o.progress);
          if (!cancelAsked && (await cancelRequest(m.id))) {
            cancelAsked = true;
            await source.cancelMigration(m.vmId).catch(() => {}); // the op then fails with CANCELLED
          }
        })
        .catch(() => {});
    },
    { intervalMs: 100 },
  );
  await chain;
  return migrateResultSchema.parse(done.result);
}

export const migrateVmHandler: TaskHandler<'vm.migrate'> = async (ctx, payload) => {
  const m = await db().migration.findUnique({ where: { id: payload.migrationId } });
  if (!m) throw noSuchObject('migration', payload.migrationId);
  const vm = await db().vm.findUnique({ where: { id: m.vmId }, include: { image: true, host: true } });
  if (!vm) throw noSuchObject('VM', m.vmId);
  if (ctx.recovered) return reconcileMigration(ctx, m);
  const target = await db().host.findUniqueOrThrow({ where: { id: m.targetHostId } });
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'vm.migrate',
      target: { type: 'vm', id: vm.id, name: vm.name },
      result,
      detail: { taskId: ctx.id, migrationId: m.id, from: vm.host.name, to: target.name, ...detail },
    });
  let prepared = false;
  let started = false; // the source is migrating: only both agents can say where the VM is now
  let handedOver = false; // QEMU completed: the target has the state, the source a paused copy
  try {
    const [source, dest] = await Promise.all([agentFor(m.sourceHostId), agentFor(m.targetHostId)]);
    await progressWriter(ctx, m.id)(
      {
        phase: 'preparing',
        transferredBytes: 0,
        remainingBytes: 0,
        totalBytes: 0,
        dirtyPagesRate: 0,
        expectedDowntimeMs: null,
      },
      0.02,
    );
    const incoming = await dest.prepareIncoming({
      vm: {
        id: vm.id,
        name: vm.name,
        vcpus: vm.vcpus,
        memoryMiB: vm.memoryMiB,
        pool: vm.pool,
        boot: {
          kernelPath: vm.image?.kernelPath ?? undefined,
          initrdPath: vm.image?.initrdPath ?? undefined,
          append: vm.image?.append ?? undefined,
        },
        diskSizeBytes: Number(vm.diskSizeBytes),
        diskPath: m.mode === 'shared' ? vm.diskPath : null,
        backingPath: m.mode === 'storage' ? (vm.image?.diskPath ?? null) : null,
      },
      mode: m.mode as 'shared' | 'storage',
    });
    prepared = true;
    await ctx.step(
      `${target.name} is listening (${incoming.migrationUri}${incoming.nbd ? `, disk export ${incoming.nbd.exportName} on port ${incoming.nbd.port}` : ''})`,
    );
    const asked = await cancelRequest(m.id);
    if (asked) throw cancelled(asked);
    started = true;
    const res = await runSourceMigration(ctx, m, source, incoming, payload);
    handedOver = true;
    await progressWriter(ctx, m.id)(
      {
        phase: 'finishing',
        transferredBytes: res.bytesTransferred,
        remainingBytes: 0,
        totalBytes: res.bytesTransferred,
        dirtyPagesRate: 0,
        expectedDowntimeMs: res.downtimeMs,
      },
      0.95,
    );
    // Fails when the target cannot resume the guest: the source still has it (reconcile below).
    const rt = await dest.finishIncoming(vm.id, { guestReady: res.guestReady });
    await recordOnTarget(m, rt, res);
    await ctx.step(
      `VM runs on ${target.name}: ${(res.totalMs / 1000).toFixed(1)} s, downtime ${Math.round(res.downtimeMs)} ms, ${(res.bytesTransferred / 1048576).toFixed(1)} MiB sent`,
    );
    const sourceLeftover = await releaseSource(ctx, m);
    await audit('succeeded', {
      durationMs: res.totalMs,
      downtimeMs: res.downtimeMs,
      bytesTransferred: res.bytesTransferred,
      ...(sourceLeftover ? { sourceLeftover } : {}),
    });
    return { migrationId: m.id, hostId: target.id, ...res };
  } catch (err) {
    const asked = await cancelRequest(m.id);
    const wasCancel = isCancel(err) || asked !== null;
    // Not a clean refusal (e.g. the source agent stopped answering mid-way, or the target could
    // not resume after the hand-over): ask both agents where the VM runs and settle it from there.
    if (handedOver || (started && !isCancel(err))) return reconcileMigration(ctx, m, err);
    const message = wasCancel ? (asked ?? errorMessage(err)) : errorMessage(err);
    await ctx.step(
      wasCancel
        ? `${message}; undoing the target side`
        : `Migration failed: ${message}; the VM stays on ${vm.host.name}`,
      wasCancel ? 'warn' : 'error',
    );
    if (prepared) {
      await agentFor(m.targetHostId)
        .then((a) => a.abortIncoming(vm.id))
        .catch((e) => ctx.step(`Could not clean up the target: ${errorMessage(e)}`, 'warn'));
    }
    await settleOnSource(vm.id, m.sourceHostId, wasCancel ? null : message);
    const now = new Date();
    await db().migration.update({
      where: { id: m.id },
      data: {
        state: wasCancel ? MIGRATION_STATE.cancelled : MIGRATION_STATE.failed,
        finishedAt: now,
        durationMs: now.getTime() - m.startedAt.getTime(),
        error: message,
      },
    });
    await audit('failed', { error: message, cancelled: wasCancel });
    throw wasCancel ? cancelled(message) : err;
  }
};

// The VM stays where it was: take its state from the source agent (running, normally).
async function settleOnSource(vmId: string, hostId: string, lastError: string | null): Promise<void> {
  let state: string = VM_STATE.running;
  try {
    state = VM_STATE_FROM_RUNTIME[(await (await agentFor(hostId)).getVm(vmId)).state];
  } catch {
    /* source unreachable: the heartbeat corrects it later */
  }
  await db().vm.update({ where: { id: vmId }, data: { state, lastError } });
}
