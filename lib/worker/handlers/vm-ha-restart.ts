import 'server-only';
import { vmRuntimeSchema, type VmRuntime } from '@/lib/agent-protocol/core';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { recordHaEvent } from '@/lib/domain/ha/events';
import { MAX_RESTART_ATTEMPTS } from '@/lib/domain/ha/restarts';
import { agentFor } from '@/lib/domain/hosts/agents';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import type { TaskContext, TaskHandler } from '../context';

// How long an HA restart waits for the guest's ready line once QEMU runs (then it counts as
// running without it), and how often it looks: the HA page shows these times to the second.
const GUEST_READY_WAIT_MS = 120_000;
const POLL_MS = 200;

type Restart = NonNullable<Awaited<ReturnType<typeof loadRestart>>>;

const loadRestart = (id: string) => db().haRestart.findUnique({ where: { id } });
const ms = (from: Date | null, to: Date) => (from ? `${((to.getTime() - from.getTime()) / 1000).toFixed(1)} s` : '?');

// QEMU up on the target: the old host's lease has expired as the target itself saw it, so the
// agent takes the VM over (vm.json owner rewritten); a restart in place is an ordinary start.
async function bringUp(ctx: TaskContext, agent: AgentClient, r: Restart, fromHostName: string): Promise<VmRuntime> {
  if (ctx.recovered) {
    // A previous worker may have got as far as the takeover: a VM running there is ours.
    const rt = await agent.getVm(r.vmId).catch(() => null);
    if (rt?.state === 'running') return rt;
  }
  if (r.pinnedHostId === r.fromHostId && r.targetHostId === r.fromHostId) return agent.startVm(r.vmId);
  const op = await agent.haTakeover({ vmId: r.vmId, fromHost: fromHostName });
  const done = await waitForOperation(agent, op.id, undefined, { intervalMs: POLL_MS, timeoutMs: 5 * 60_000 });
  return vmRuntimeSchema.parse(done.result);
}

async function waitGuestReady(agent: AgentClient, vmId: string): Promise<boolean> {
  const deadline = Date.now() + GUEST_READY_WAIT_MS;
  for (;;) {
    const rt = await agent.getVm(vmId);
    if (rt.guestReady) return true;
    if (rt.state !== 'running') throw new Error(`The VM stopped while booting (QEMU state ${rt.state})`);
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

// Failure: back to pending for the monitor to place again (a named or in-place host stays
// pinned), or failed after MAX_RESTART_ATTEMPTS.
async function giveBack(r: Restart, err: unknown): Promise<void> {
  const attempts = r.attempts + 1;
  const last = attempts >= MAX_RESTART_ATTEMPTS;
  const reason = `Attempt ${attempts} failed: ${errorMessage(err)}`;
  await db().haRestart.updateMany({
    where: { id: r.id, state: 'restarting' },
    data: {
      state: last ? 'failed' : 'pending',
      attempts,
      reason,
      targetHostId: r.pinnedHostId,
      decidedAt: null,
      taskId: null,
    },
  });
  if (last)
    await recordHaEvent({
      kind: 'restart-failed',
      hostId: r.fromHostId,
      vmId: r.vmId,
      message: `Gave up restarting ${r.vmName} after ${attempts} attempts: ${errorMessage(err)}`,
      data: { restartId: r.id },
    });
}

export const haRestartHandler: TaskHandler<'vm.ha-restart'> = async (ctx, { restartId }) => {
  const r = await loadRestart(restartId);
  if (!r) throw noSuchObject('restart', restartId);
  if (r.state !== 'restarting' || !r.targetHostId) return { skipped: `the restart is ${r.state}` };
  const [from, target] = await Promise.all([
    db().host.findUnique({ where: { id: r.fromHostId } }),
    db().host.findUnique({ where: { id: r.targetHostId } }),
  ]);
  if (!from || !target) throw noSuchObject('host', !from ? r.fromHostId : r.targetHostId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'vm.ha-restart',
      target: { type: 'vm', id: r.vmId, name: r.vmName },
      result,
      detail: { taskId: ctx.id, restartId, from: from.name, to: target.name, ...detail },
    });
  try {
    const agent = await agentFor(target.id);
    await ctx.step(
      r.targetHostId === r.fromHostId
        ? `Starting ${r.vmName} again on ${target.name}`
        : `Taking ${r.vmName} over from ${from.name} (lease expired) on ${target.name}`,
    );
    const rt = await bringUp(ctx, agent, r, from.name);
    const qemuUpAt = new Date();
    await db().$transaction([
      db().vm.update({
        where: { id: r.vmId },
        data: {
          hostId: target.id,
          state: VM_STATE_FROM_RUNTIME[rt.state],
          guestReady: rt.guestReady,
          guestWarning: null,
          lastError: null,
          diskPath: rt.diskPath,
          pool: rt.pool,
        },
      }),
      db().haRestart.update({ where: { id: r.id }, data: { qemuUpAt } }),
    ]);
    await ctx.step(
      `QEMU runs on ${target.name}${rt.pid ? ` (pid ${rt.pid})` : ''}, ${ms(r.failedAt, qemuUpAt)} after the failure`,
    );
    await ctx.progress(0.6);
    const ready = rt.guestReady || (await waitGuestReady(agent, r.vmId));
    const guestReadyAt = ready ? new Date() : null;
    await db().$transaction([
      db().haRestart.update({
        where: { id: r.id },
        data: {
          state: 'running',
          guestReadyAt,
          reason: ready ? '' : `The guest did not report ready within ${GUEST_READY_WAIT_MS / 1000} s`,
        },
      }),
      db().vm.update({ where: { id: r.vmId }, data: { guestReady: ready, state: VM_STATE.running } }),
    ]);
    const timeline = { failedAt: r.failedAt, detectedAt: r.detectedAt, decidedAt: r.decidedAt, qemuUpAt, guestReadyAt };
    await recordHaEvent({
      kind: 'restart-done',
      hostId: target.id,
      vmId: r.vmId,
      message: `${r.vmName} runs on ${target.name}: QEMU up ${ms(r.failedAt, qemuUpAt)}${guestReadyAt ? `, guest ready ${ms(r.failedAt, guestReadyAt)}` : ', guest not ready'} after the failure`,
      data: { restartId, ...timeline },
    });
    await audit('succeeded', timeline);
    await ctx.step(
      ready
        ? `Guest ready ${ms(r.failedAt, guestReadyAt!)} after the failure`
        : 'The guest did not report ready; the VM runs without it',
      ready ? 'info' : 'warn',
    );
    return { restartId, hostId: target.id, ...timeline };
  } catch (err) {
    await db().vm.updateMany({
      where: { id: r.vmId, state: VM_STATE.starting },
      data: { state: VM_STATE.crashed, lastError: `HA restart on ${target.name} failed: ${errorMessage(err)}` },
    });
    await giveBack(r, err);
    await audit('failed', { error: errorMessage(err), attempt: r.attempts + 1 });
    throw err;
  }
};
