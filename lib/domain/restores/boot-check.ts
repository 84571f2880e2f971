import 'server-only';
import { randomBytes } from 'node:crypto';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import type { RestoreDetail } from '@/lib/agent-protocol/restore';
import { db } from '@/lib/db/client';
import { agentFor } from '@/lib/domain/hosts/agents';
import { chooseHost } from '@/lib/domain/vms/service';
import type { SiteScope } from '@/lib/domain/vms/placement';
import { conflict, errorMessage, noSuchObject } from '@/lib/errors';
import type { StoragePool } from '@/lib/generated/prisma/client';
import { sleep, waitFor } from '@/lib/wait-for';
import type { BootCheckResult } from './dto';
import { pointForRestore } from './queries';

const READY_TIMEOUT_MS = 120_000;
const NO_READY_LINE_RUN_MS = 10_000; // an image without the ready line: "boots" = QEMU keeps running

const DELETE_RETRY_MS = 60_000; // an agent restarting answers again within that

type Step = (message: string, level?: 'info' | 'warn' | 'error') => unknown;
export type BootCheckVm = { id: string; hostId: string };
// track: told of the temporary VM before it is created, and once it is deleted, so a worker that
// takes over a dead one's task finds what to delete (removeBootCheckVms).
type Hooks = { step?: Step; track?: (vm: BootCheckVm, state: 'creating' | 'deleted') => Promise<unknown> };

// Boot health check of a restore point (used by the backup verify handler): instant-restore it
// into a throwaway VM that only the agent knows (no Vm row; the heartbeat ignores it), wait for
// the guest's ready line, delete the VM. The point's host is preferred (a host repository or a
// safety file is only readable there); a shared repository falls back to any host with room.
// The VM goes into a pool that host reported (pickBootPool), whatever the pools are named.
export async function bootCheck(pointId: string, { step = () => {}, track }: Hooks = {}): Promise<BootCheckResult> {
  const { point, spec, readableOnlyOn, scope } = await pointForRestore(pointId);
  const host = await bootHost(readableOnlyOn ?? point.hostId, readableOnlyOn !== null, spec.memoryMiB, scope);
  const pool = pickBootPool(await db().storagePool.findMany({ where: { hostId: host.id } }), point.virtualSizeBytes);
  if (!pool)
    throw conflict(`Host ${host.name} has reported no storage pool to run a boot check in`, { hostId: host.id });
  const agent = await agentFor(host.id);
  const vm = { id: `boot-check-${randomBytes(4).toString('hex')}`, hostId: host.id };
  const { id } = vm;
  await track?.(vm, 'creating');
  const t0 = Date.now();
  const op = await agent.restoreVm({
    vm: { id, name: id, vcpus: spec.vcpus, memoryMiB: spec.memoryMiB, pool, boot: spec.boot },
    sourcePath: point.filePath,
    mode: 'instant',
    start: true,
  });
  await step(`Boot check: temporary VM ${id} on ${host.name} runs on the backup (instant recovery)`);
  try {
    return await watchBoot(agent, op.id, id, t0, Boolean(spec.boot.kernelPath));
  } catch (err) {
    return { ok: false, readyAfterMs: null, message: errorMessage(err) };
  } finally {
    if (await deleteBootVm(agent, id, step)) {
      // The restore operation ends (failed: its VM was deleted) and has undone its own steps; an
      // agent that restarted meanwhile no longer knows it.
      await waitForOperation(agent, op.id).catch(() => {});
      await step(`Boot check: temporary VM ${id} deleted`);
      await track?.(vm, 'deleted');
    }
  }
}

// The temporary VMs a dead worker's boot check had created (or was about to): deleted on their
// host; a VM its agent no longer knows is gone (an agent that restarted still knows the VMs in
// its directories). Returns the ones deleted (or gone).
export async function removeBootCheckVms(vms: BootCheckVm[], step: Step): Promise<BootCheckVm[]> {
  const gone: BootCheckVm[] = [];
  for (const vm of vms) {
    const agent = await agentFor(vm.hostId).catch(
      (err: unknown) => void step(`Boot check: temporary VM ${vm.id}: ${errorMessage(err)}`, 'warn'),
    );
    if (!agent || !(await deleteBootVm(agent, vm.id, step))) continue;
    await step(`Boot check: temporary VM ${vm.id} of the stopped worker is deleted`);
    gone.push(vm);
  }
  return gone;
}

// Retried while the agent does not answer (restarting); false (and said) if it never does.
async function deleteBootVm(agent: AgentClient, id: string, step: Step): Promise<boolean> {
  const del = () =>
    agent.deleteVm(id).then(
      () => true,
      (err: unknown) => (noSuchObject.is(err) ? true : Promise.reject(err)),
    );
  try {
    return await waitFor(`deletion of ${id}`, del, DELETE_RETRY_MS, 1000);
  } catch (err) {
    await step(
      `Boot check: could not delete the temporary VM ${id} on ${agent.hostName}: ${errorMessage(err)}; delete it there`,
      'warn',
    );
    return false;
  }
}

// The host's pool for the throwaway VM: one with room for the whole disk (an instant restore
// streams it all), local before shared (no other host needs to see it), then the most free
// space. The agent still measures the chain and answers 507 when even that one is short.
export function pickBootPool(
  pools: Pick<StoragePool, 'name' | 'kind' | 'freeBytes'>[],
  needBytes: bigint,
): string | null {
  const rank = (p: Pick<StoragePool, 'kind' | 'freeBytes'>) =>
    (p.freeBytes >= needBytes ? 2 : 0) + (p.kind === 'local' ? 1 : 0);
  const cmp = (x: bigint, y: bigint) => (x > y ? 1 : x < y ? -1 : 0);
  return [...pools].sort((a, b) => rank(b) - rank(a) || cmp(b.freeBytes, a.freeBytes))[0]?.name ?? null;
}

async function bootHost(preferred: string, onlyThere: boolean, memoryMiB: number, scope: SiteScope) {
  try {
    return await chooseHost(preferred, memoryMiB, scope);
  } catch (err) {
    if (onlyThere) throw err;
    return chooseHost('auto', memoryMiB, scope);
  }
}

async function watchBoot(
  agent: AgentClient,
  opId: string,
  id: string,
  t0: number,
  hasReadyLine: boolean,
): Promise<BootCheckResult> {
  while (Date.now() - t0 < READY_TIMEOUT_MS) {
    const op = await agent.getOperation(opId);
    const running = op.state === 'succeeded' || (op.detail as RestoreDetail | null)?.runningAfterMs != null;
    if (op.state === 'failed') return { ok: false, readyAfterMs: null, message: `the restore failed: ${op.error}` };
    if (running) {
      const rt = await agent.getVm(id);
      if (rt.state !== 'running')
        return {
          ok: false,
          readyAfterMs: null,
          message: `QEMU ${rt.state} while booting; see the restore point's guest console`,
        };
      const ms = Date.now() - t0;
      if (rt.guestReady)
        return {
          ok: true,
          readyAfterMs: ms,
          message: `guest ready ${(ms / 1000).toFixed(1)} s after the restore started`,
        };
      if (!hasReadyLine && ms > NO_READY_LINE_RUN_MS)
        return {
          ok: true,
          readyAfterMs: null,
          message: `QEMU kept running for ${NO_READY_LINE_RUN_MS / 1000} s (the image has no ready line to wait for)`,
        };
    }
    await sleep(500);
  }
  return {
    ok: false,
    readyAfterMs: null,
    message: `the guest did not report ready within ${READY_TIMEOUT_MS / 1000} s`,
  };
}
