import 'server-only';
import { randomBytes } from 'node:crypto';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import type { RestoreDetail } from '@/lib/agent/restore/protocol';
import { db } from '@/lib/db/client';
import { agentFor } from '@/lib/domain/hosts/agents';
import { chooseHost } from '@/lib/domain/vms/service';
import { conflict, errorMessage, noSuchObject } from '@/lib/errors';
import type { StoragePool } from '@/lib/generated/prisma/client';
import { sleep } from '@/lib/wait-for';
import type { BootCheckResult } from './dto';
import { pointForRestore } from './queries';

const READY_TIMEOUT_MS = 120_000;
const NO_READY_LINE_RUN_MS = 10_000; // an image without the ready line: "boots" = QEMU keeps running

type Step = (message: string) => unknown;

// Boot health check of a restore point (used by the backup verify handler): instant-restore it
// into a throwaway VM that only the agent knows (no Vm row; the heartbeat ignores it), wait for
// the guest's ready line, delete the VM. The point's host is preferred (a host repository or a
// safety file is only readable there); a shared repository falls back to any host with room.
// The VM goes into a pool that host reported (pickBootPool), whatever the pools are named.
export async function bootCheck(pointId: string, step: Step = () => {}): Promise<BootCheckResult> {
  const { point, spec, readableOnlyOn } = await pointForRestore(pointId);
  const host = await bootHost(readableOnlyOn ?? point.hostId, readableOnlyOn !== null, spec.memoryMiB);
  const pool = pickBootPool(await db().storagePool.findMany({ where: { hostId: host.id } }), point.virtualSizeBytes);
  if (!pool) throw conflict(`Host ${host.name} has reported no storage pool to run a boot check in`, { hostId: host.id });
  const agent = await agentFor(host.id);
  const id = `boot-check-${randomBytes(4).toString('hex')}`;
  const t0 = Date.now();
  const op = await agent.restoreVm({ vm: { id, name: id, vcpus: spec.vcpus, memoryMiB: spec.memoryMiB, pool, boot: spec.boot }, sourcePath: point.filePath, mode: 'instant', start: true });
  await step(`Boot check: temporary VM ${id} on ${host.name} runs on the backup (instant recovery)`);
  try {
    return await watchBoot(agent, op.id, id, t0, Boolean(spec.boot.kernelPath));
  } catch (err) {
    return { ok: false, readyAfterMs: null, message: errorMessage(err) };
  } finally {
    await agent.deleteVm(id).catch((err: unknown) => (noSuchObject.is(err) ? undefined : step(`Boot check: could not delete ${id}: ${errorMessage(err)}`)));
    // The restore operation ends (failed: its VM was deleted) and has undone its own steps.
    await waitForOperation(agent, op.id).catch(() => {});
    await step(`Boot check: temporary VM ${id} deleted`);
  }
}

// The host's pool for the throwaway VM: one with room for the whole disk (an instant restore
// streams it all), local before shared (no other host needs to see it), then the most free
// space. The agent still measures the chain and answers 507 when even that one is short.
export function pickBootPool(pools: Pick<StoragePool, 'name' | 'kind' | 'freeBytes'>[], needBytes: bigint): string | null {
  const rank = (p: Pick<StoragePool, 'kind' | 'freeBytes'>) => (p.freeBytes >= needBytes ? 2 : 0) + (p.kind === 'local' ? 1 : 0);
  const cmp = (x: bigint, y: bigint) => (x > y ? 1 : x < y ? -1 : 0);
  return [...pools].sort((a, b) => rank(b) - rank(a) || cmp(b.freeBytes, a.freeBytes))[0]?.name ?? null;
}

async function bootHost(preferred: string, onlyThere: boolean, memoryMiB: number) {
  try {
    return await chooseHost(preferred, memoryMiB);
  } catch (err) {
    if (onlyThere) throw err;
    return chooseHost('auto', memoryMiB);
  }
}

async function watchBoot(agent: AgentClient, opId: string, id: string, t0: number, hasReadyLine: boolean): Promise<BootCheckResult> {
  while (Date.now() - t0 < READY_TIMEOUT_MS) {
    const op = await agent.getOperation(opId);
    const running = op.state === 'succeeded' || (op.detail as RestoreDetail | null)?.runningAfterMs != null;
    if (op.state === 'failed') return { ok: false, readyAfterMs: null, message: `the restore failed: ${op.error}` };
    if (running) {
      const rt = await agent.getVm(id);
      if (rt.state !== 'running') return { ok: false, readyAfterMs: null, message: `QEMU ${rt.state} while booting; see the restore point's guest console` };
      const ms = Date.now() - t0;
      if (rt.guestReady) return { ok: true, readyAfterMs: ms, message: `guest ready ${(ms / 1000).toFixed(1)} s after the restore started` };
      if (!hasReadyLine && ms > NO_READY_LINE_RUN_MS) return { ok: true, readyAfterMs: null, message: `QEMU kept running for ${NO_READY_LINE_RUN_MS / 1000} s (the image has no ready line to wait for)` };
    }
    await sleep(500);
  }
  return { ok: false, readyAfterMs: null, message: `the guest did not report ready within ${READY_TIMEOUT_MS / 1000} s` };
}
