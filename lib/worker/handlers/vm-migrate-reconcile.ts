import 'server-only';
import type { VmRuntime } from '@/lib/agent/protocol';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { MIGRATION_STATE } from '@/lib/domain/migrations/dto';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import type { Migration } from '@/lib/generated/prisma/client';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskContext } from '../context';

type Seen = { rt: VmRuntime | null; error: string | null }; // rt null + no error: the agent does not know it

async function look(hostId: string, vmId: string): Promise<Seen> {
  try {
    return { rt: await (await agentFor(hostId)).getVm(vmId), error: null };
  } catch (err) {
    return noSuchObject.is(err) ? { rt: null, error: null } : { rt: null, error: errorMessage(err) };
  }
}

// After the worker died mid-migration, or the switch-over itself failed: ask both agents where
// the VM runs and record that, instead of guessing. Source still running -> the migration did not
// happen (stop whatever is left, undo the target). Source gone and target has it -> finish it
// there. Neither -> the VM is in error, with both answers in the message.
export async function reconcileMigration(ctx: TaskContext, m: Migration, cause?: unknown): Promise<unknown> {
  await ctx.step(`Checking where VM ${m.vmName} actually runs${cause ? ` after: ${errorMessage(cause)}` : ''}`, 'warn');
  const [src, dst] = await Promise.all([look(m.sourceHostId, m.vmId), look(m.targetHostId, m.vmId)]);
  const now = new Date();
  const finish = (state: string, error: string | null) =>
    db().migration.update({ where: { id: m.id }, data: { state, error, finishedAt: now, durationMs: now.getTime() - m.startedAt.getTime() } });
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({ actor: ctx.actor, action: 'vm.migrate', target: { type: 'vm', id: m.vmId, name: m.vmName }, result, detail: { taskId: ctx.id, migrationId: m.id, reconciled: true, ...detail } });

  if (src.rt && src.rt.state !== 'shutoff') {
    const source = await agentFor(m.sourceHostId);
    await source.cancelMigration(m.vmId).catch(() => {}); // nothing to cancel is fine
    if (dst.rt) await (await agentFor(m.targetHostId)).abortIncoming(m.vmId).catch((e) => ctx.step(`Could not clean up the target: ${errorMessage(e)}`, 'warn'));
    const msg = `The migration did not complete${cause ? `: ${errorMessage(cause)}` : ' (its worker stopped)'}; the VM still runs on the source`;
    await db().vm.update({ where: { id: m.vmId }, data: { state: VM_STATE_FROM_RUNTIME[src.rt.state], lastError: msg } });
    await finish(MIGRATION_STATE.failed, msg);
    await audit('failed', { error: msg, runsOn: 'source' });
    throw new Error(msg);
  }
  if (dst.rt && (!src.error || dst.rt.state === 'running')) {
    const rt = await (await agentFor(m.targetHostId)).finishIncoming(m.vmId).catch(() => dst.rt!); // already finished: keep what it said
    await db().vm.update({ where: { id: m.vmId }, data: { hostId: m.targetHostId, diskPath: rt.diskPath, pool: rt.pool, state: VM_STATE_FROM_RUNTIME[rt.state], lastMigratedAt: now, lastError: null } });
    await finish(MIGRATION_STATE.succeeded, null);
    await ctx.step('The VM runs on the target: recorded the migration as done (transfer figures unknown)', 'warn');
    await audit('succeeded', { runsOn: 'target' });
    return { migrationId: m.id, hostId: m.targetHostId, reconciled: true };
  }
  const msg = `VM not found running after the migration: source says ${src.error ?? (src.rt ? src.rt.state : 'unknown VM')}, target says ${dst.error ?? (dst.rt ? dst.rt.state : 'unknown VM')}`;
  await db().vm.update({ where: { id: m.vmId }, data: { state: VM_STATE.error, lastError: msg } });
  await finish(MIGRATION_STATE.failed, msg);
  await audit('failed', { error: msg });
  throw new Error(msg);
}
