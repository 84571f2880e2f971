import type { HostDto } from '@/lib/domain/hosts/dto';

// Agents report their shared pool at `<--shared>/pool` (lib/agent/config.ts), so an enrolled
// host tells us where the shared storage is mounted; a new host usually mounts it at the same place.
const SHARED_POOL_DIR = /\/pool\/?$/;

/** Where an enrolled host mounts the shared storage (online hosts first), or null if none reports it. */
export function sharedMountOf(
  hosts: readonly Pick<HostDto, 'name' | 'status' | 'pools'>[],
): { mount: string; hostName: string } | null {
  const byStatus = [...hosts].sort((a, b) => Number(b.status === 'online') - Number(a.status === 'online'));
  for (const host of byStatus) {
    const pool = host.pools.find((p) => p.kind === 'shared' && SHARED_POOL_DIR.test(p.path));
    if (pool) return { mount: pool.path.replace(SHARED_POOL_DIR, '') || '/', hostName: host.name };
  }
  return null;
}

// Quotes only when needed so the usual command stays readable; paths may contain spaces.
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function enrollmentCommand(o: {
  hostName: string;
  token: string;
  sharedMount: string;
  dashboardUrl: string;
}): string {
  const args = [
    '--name',
    o.hostName,
    '--port',
    '7101',
    '--data',
    '/var/lib/vmops',
    '--shared',
    o.sharedMount,
    '--dashboard',
    o.dashboardUrl,
    '--enroll-token',
    o.token,
  ];
  return `npm run agent -- ${args.map(shellQuote).join(' ')}`;
}
