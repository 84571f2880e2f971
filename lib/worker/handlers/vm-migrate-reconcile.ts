import 'server-only';
import type { OutgoingStatus } from '@/lib/agent-protocol/migration';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { MIGRATION_STATE } from '@/lib/domain/migrations/dto';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import type { Migration } from '@/lib/generated/prisma/client';
import { conflict, errorMessage, noSuchObject } from '@/lib/errors';
import { waitFor } from '@/lib/wait-for';
import type { TaskContext } from '../context';
import { recordOnTarget, releaseSource } from './vm-migrate-outcome';

type Seen = { rt: VmRuntime | null; error: string | null }; // rt null + no error: the agent does not know it

// A cancelled outgoing migration undoes itself on the source within seconds; one already
// completing ends by itself.
const SETTLE_MS = 120_000;

async function look(hostId: string, vmId: string): Promise<Seen> {
  try {
    return { rt: await (await agentFor(hostId)).getVm(vmId), error: null };
  } catch (err) {
    return noSuchObject.is(err) ? { rt: null, error: null } : { rt: null, error: errorMessage(err) };
  }
}

// Where the source stands once no migration of the VM is under way there any more (one still
// running is cancelled first); null when the source cannot say.
async function settledSource(vmId: string, hostId: string): Promise<OutgoingStatus['state'] | null> {
  try {
    const source = await agentFor(hostId);
    if ((await source.outgoingStatus(vmId)).state === 'migrating') await source.cancelMigration(vmId).catch(() => {}); // refused once completing
    return (await waitFor(
      'the source migration to end',
      async () => {
        const s = (await source.outgoingStatus(vmId)).state;
        return s !== 'migrating' && s;
      },
      SETTLE_MS,
      1_000,
    )) as OutgoingStatus['state'];
  } catch {
    return null;
  }
}

// After the worker died mid-migration, or a failure the handler cannot judge alone (the source
// agent stopped answering, the target did not resume after the hand-over): ask both agents and
// settle it without ever running two copies or removing the last one.
// - The target runs the guest (it resumes only once the whole state is in): finish there, then
//   the source drops its paused copy.
// - The source runs it and never handed over: the migration did not happen; undo the target.
// - The source handed over but the target does not run it: the target removes its copy (it
//   refuses once the guest has run there) and the source resumes the guest.
// - The source is gone and the target holds the state: finish there.
// - Anything else: the VM is in error, both answers in the message, nothing removed.
export async function reconcileMigration(ctx: TaskContext, m: Migration, cause?: unknown): Promise<unknown> {
  await ctx.step(`Checking where VM ${m.vmName} actually runs${cause ? ` after: ${errorMessage(cause)}` : ''}`, 'warn');
  const outgoing = await settledSource(m.vmId, m.sourceHostId);
  const [src, dst] = await Promise.all([look(m.sourceHostId, m.vmId), look(m.targetHostId, m.vmId)]);
  const now = new Date();
  const fail = (error: string) =>
    db().migration.update({
      where: { id: m.id },
      data: {
        state: MIGRATION_STATE.failed,
        error,
        finishedAt: now,
        durationMs: now.getTime() - m.startedAt.getTime(),
      },
    });
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'vm.migrate',
      target: { type: 'vm', id: m.vmId, name: m.vmName },
      result,
      detail: { taskId: ctx.id, migrationId: m.id, reconciled: true, ...detail },
    });
  const onSource = async (rt: VmRuntime, msg: string, runsOn: string) => {
    await db().vm.update({ where: { id: m.vmId }, data: { state: VM_STATE_FROM_RUNTIME[rt.state], lastError: msg } });
    await fail(msg);
    await audit('failed', { error: msg, runsOn });
    throw new Error(msg);
  };
  const inError = async (msg: string) => {
    await db().vm.update({ where: { id: m.vmId }, data: { state: VM_STATE.error, lastError: msg } });
    await fail(msg);
    await audit('failed', { error: msg });
    throw new Error(msg);
  };
  // The source's copy knows whether the guest was ready; without it, the last heartbeat does.
  const guestReady =
    src.rt?.guestReady ??
    (await db().vm.findUnique({ where: { id: m.vmId }, select: { guestReady: true } }))?.guestReady ??
    false;
  const finishOnTarget = async () => (await agentFor(m.targetHostId)).finishIncoming(m.vmId, { guestReady });
  const onTarget = async (rt: VmRuntime) => {
    await recordOnTarget(m, rt, null);
    await ctx.step('The VM runs on the target: recorded the migration as done (transfer figures unknown)', 'warn');
    const sourceLeftover = outgoing === 'handed-over' || src.rt ? await releaseSource(ctx, m) : null;
    await audit('succeeded', { runsOn: 'target', ...(sourceLeftover ? { sourceLeftover } : {}) });
    return { migrationId: m.id, hostId: m.targetHostId, reconciled: true };
  };
  const says = (s: Seen) => s.error ?? (s.rt ? s.rt.state : 'unknown VM');

  if (dst.rt?.state === 'running') return onTarget(await finishOnTarget().catch(() => dst.rt!)); // finished before: keep what it said
  if (src.rt && outgoing !== 'handed-over' && ['running', 'paused'].includes(src.rt.state)) {
    if (dst.rt)
      await (
        await agentFor(m.targetHostId)
      )
        .abortIncoming(m.vmId)
        .catch((e) => ctx.step(`Could not clean up the target: ${errorMessage(e)}`, 'warn'));
    return onSource(
      src.rt,
      `The migration did not complete${cause ? `: ${errorMessage(cause)}` : ' (its worker stopped)'}; the VM still runs on the source`,
      'source',
    );
  }
  if (outgoing === 'handed-over') {
    try {
      await (await agentFor(m.targetHostId)).abortIncoming(m.vmId);
    } catch (err) {
      if (conflict.is(err)) {
        // Refused: the guest has run on the target (e.g. its agent restarted since), so that copy
        // is the one to keep, if it still runs.
        const rt = await finishOnTarget().catch(() => null);
        if (rt?.state === 'running') return onTarget(rt);
        return inError(
          `VM ${m.vmName} ran on the target after the hand-over but is ${rt?.state ?? 'unknown'} there now; the source keeps its paused copy from the switch-over; both copies are kept`,
        );
      }
      return inError(
        `VM ${m.vmName} is paused on the source after handing over, and the target could not be asked to give it up (${errorMessage(err)}); both copies are kept`,
      );
    }
    const rt = await (await agentFor(m.sourceHostId)).resumeOutgoing(m.vmId).catch((err: unknown) => errorMessage(err));
    if (typeof rt === 'string')
      return inError(
        `The target gave VM ${m.vmName} up, but the source could not resume it (${rt}); it is paused on the source`,
      );
    await ctx.step(
      'The target did not take the VM; removed its copy there, and the VM runs on the source again',
      'warn',
    );
    return onSource(
      rt,
      `The target could not take the VM${cause ? ` (${errorMessage(cause)})` : ''}; it runs on the source again`,
      'source (resumed)',
    );
  }
  // waits for the resume
  if (dst.rt && !src.rt && !src.error) return onTarget(await finishOnTarget().catch(() => dst.rt!));
  return inError(`VM not found running after the migration: source says ${says(src)}, target says ${says(dst)}`);
}
