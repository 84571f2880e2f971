// Small builders for service tests: rows as the services expect them.
import type { Db } from '@/lib/db/client';
import { db } from '@/lib/db/client';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { sealDashboardSecret, sha256Hex } from '@/lib/domain/hosts/credentials';

const GiB = 1024 ** 3;

export const admin: SessionUser = { id: 'u-admin', username: 'admin', name: 'Admin', role: 'admin' };
export const operator: SessionUser = { id: 'u-op', username: 'olga', name: 'Olga', role: 'operator' };
export const viewer: SessionUser = { id: 'u-view', username: 'victor', name: 'Victor', role: 'viewer' };

// A model of the client (its lower-case accessor, e.g. 'taskStep').
type Table = { [K in keyof Db]: Db[K] extends { deleteMany(...args: never[]): unknown } ? K : never }[keyof Db];

// Empties tables between tests, in the order given (rows that others point at last).
export async function clearTables(...tables: Table[]): Promise<void> {
  for (const t of tables) await (db()[t] as unknown as { deleteMany(): Promise<unknown> }).deleteMany();
}

export async function seedUsers(): Promise<void> {
  for (const u of [admin, operator, viewer]) await db().user.create({ data: { ...u, passwordHash: 'x' } });
}

// Credentials as enrollment makes them: the token's hash, the dashboard's secret sealed.
export async function seedHost(name: string, opts: { freeGiB?: number; online?: boolean } = {}) {
  const host = await db().host.create({
    data: {
      name,
      agentUrl: 'http://127.0.0.1:1',
      agentTokenHash: sha256Hex(`token-${name}`),
      lastHeartbeat: opts.online === false ? new Date(Date.now() - 60_000) : new Date(),
      memoryTotalBytes: BigInt(16 * GiB),
      memoryUsedBytes: BigInt((16 - (opts.freeGiB ?? 8)) * GiB),
    },
  });
  return db().host.update({
    where: { id: host.id },
    data: { dashboardSecretBox: await sealDashboardSecret(host.id, `secret-${name}`) },
  });
}

export async function seedImage(status = 'ready') {
  return db().image.create({
    data: {
      name: 'tiny-linux',
      version: '1.0',
      status,
      diskPath: '/repo/disk.qcow2',
      virtualSizeBytes: BigInt(64 * 1024 * 1024),
    },
  });
}
