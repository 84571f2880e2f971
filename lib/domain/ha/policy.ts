import 'server-only';
import { db } from '@/lib/db/client';
import type { HaPolicy as HaPolicyRow } from '@/lib/generated/prisma/client';
import type { PlacementHost } from '@/lib/domain/vms/placement';
import type { HaAdmissionMode, HaPolicyDto } from './dto';

export const HA_POLICY_ID = 'cluster';

// The single policy row (enabled: HA acts on the VMs that have it on; admission control off).
// SQLite's migration creates it, so reads (placement asks on every create) do not write; created
// if missing (PostgreSQL's migrations are schema only). First readers at once (parallel creates on
// a new database) race to create it: the losers' key clash means it exists, and they read it.
export async function haPolicyRow(): Promise<HaPolicyRow> {
  const where = { id: HA_POLICY_ID };
  const row = await db().haPolicy.findUnique({ where });
  if (row) return row;
  return db()
    .haPolicy.create({ data: where })
    .catch(async (err: unknown) => (await db().haPolicy.findUnique({ where })) ?? Promise.reject(err));
}

export function toHaPolicyDto(p: HaPolicyRow): HaPolicyDto {
  return {
    enabled: p.enabled,
    admission: p.admission as HaAdmissionMode,
    hostFailuresToTolerate: p.hostFailuresToTolerate,
    failoverHostIds: JSON.parse(p.failoverHostIds) as string[],
    edacThreshold: p.edacThreshold,
    updatedAt: p.updatedAt.toISOString(),
  };
}

export async function getHaPolicy(): Promise<HaPolicyDto> {
  return toHaPolicyDto(await haPolicyRow());
}

// Hosts kept empty for HA restarts (N:K): none unless the policy is on in failover-hosts mode.
export async function haReservedHostIds(): Promise<Set<string>> {
  const p = await getHaPolicy();
  return new Set(p.enabled && p.admission === 'failover-hosts' ? p.failoverHostIds : []);
}

// Create, start, migrate and evacuations skip failover hosts: they are marked reserved (the
// reason a named one is refused) and in maintenance, so every "takes no new VMs" filter skips them.
export async function reserveFailoverHosts(hosts: PlacementHost[]): Promise<PlacementHost[]> {
  const reserved = await haReservedHostIds();
  if (!reserved.size) return hosts;
  return hosts.map((h) =>
    reserved.has(h.id)
      ? {
          ...h,
          maintenance: true,
          reserved: `Host ${h.name} is an HA failover host: it is kept empty for restarts after a host failure`,
        }
      : h,
  );
}
