// The dashboard's rows for a simulated host's VMs. The product learns of a VM only when it
// creates one (POST /api/vms: a task per VM, run by the worker through the agent): tens of
// thousands that way would take the worker hours, so the simulator writes the rows the create
// task would leave, for the VMs its agents already run. Everything after that (heartbeats,
// start/stop through the dashboard) goes through the product.
import { inBatches } from '@/scripts/bench/fleet-seed';
import { db } from '@/lib/db/client';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';

const DISK_BYTES = 10n * 1024n ** 3n;

export async function ensureVmRows(hostId: string, vms: VmRuntime[]): Promise<void> {
  const have = new Set<string>();
  await inBatches(vms, async (batch) => {
    const rows = await db().vm.findMany({ where: { id: { in: batch.map((v) => v.id) } }, select: { id: true } });
    for (const r of rows) have.add(r.id);
  });
  await inBatches(
    vms.filter((v) => !have.has(v.id)),
    (batch) =>
      db().vm.createMany({
        data: batch.map((v) => ({
          id: v.id,
          name: v.name,
          hostId,
          state: VM_STATE_FROM_RUNTIME[v.state],
          guestReady: v.guestReady,
          vcpus: v.vcpus,
          memoryMiB: v.memoryMiB,
          diskSizeBytes: DISK_BYTES,
          pool: v.pool,
          diskPath: v.diskPath,
          tags: '["simulated"]',
          createdBy: 'fleet-simulator',
        })),
      }),
  );
}
