import 'server-only';
import { Prisma } from '@/lib/generated/prisma/client';
import { db } from '@/lib/db/client';
import { inChunks } from '@/lib/db/in-chunks';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { CLAIMING_STATES, RUNNING_STATES } from '@/lib/domain/vms/placement';

export type VmLoad = { vmCount: number; runningVmCount: number; claimMiB: number };

const MiB = 1024 * 1024;
type LoadRow = { hostId: string; vms: unknown; running: unknown; claimBytes: unknown };
const list = (states: Set<string>) => Prisma.join([...states]);

// Per host: its VMs, those running, and the memory they may still claim (freeMemoryMiB's rule:
// all of a VM being provisioned or started, the untouched part of a running one's), summed by
// the database. The host list needs only these, and at fleet size loading every VM row for them
// (40,000 for 2,500 hosts) was most of its cost.
// `hostIds`: these hosts only (a page of the list), in chunks under SQLite's parameter limit.
export async function vmLoadByHost(hostIds: string[]): Promise<Map<string, VmLoad>> {
  const rows = await inChunks(
    hostIds,
    (ids) => db().$queryRaw<LoadRow[]>`
    SELECT "hostId",
      COUNT(*) AS "vms",
      SUM(CASE WHEN "state" = ${VM_STATE.running} THEN 1 ELSE 0 END) AS "running",
      SUM(CASE
        WHEN "state" IN (${list(CLAIMING_STATES)}) THEN CAST("memoryMiB" AS BIGINT) * ${MiB}
        WHEN "state" IN (${list(RUNNING_STATES)}) AND CAST("memoryMiB" AS BIGINT) * ${MiB} > "rssBytes"
          THEN CAST("memoryMiB" AS BIGINT) * ${MiB} - "rssBytes"
        ELSE 0 END) AS "claimBytes"
    FROM "Vm" WHERE "hostId" IN (${Prisma.join(ids)}) GROUP BY "hostId"`,
  );
  // Counts and sums come back as number, bigint or numeric text depending on the engine.
  return new Map(
    rows.map((r) => [
      r.hostId,
      { vmCount: Number(r.vms), runningVmCount: Number(r.running), claimMiB: Number(r.claimBytes) / MiB },
    ]),
  );
}
