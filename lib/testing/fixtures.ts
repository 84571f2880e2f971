// Small builders for service tests: rows as the services expect them.
import { db } from '@/lib/db/client';
import type { SessionUser } from '@/lib/domain/auth/dto';

const GiB = 1024 ** 3;

export const admin: SessionUser = { id: 'u-admin', username: 'admin', name: 'Admin', role: 'admin' };
export const operator: SessionUser = { id: 'u-op', username: 'olga', name: 'Olga', role: 'operator' };
export const viewer: SessionUser = { id: 'u-view', username: 'victor', name: 'Victor', role: 'viewer' };

export async function seedUsers(): Promise<void> {
  for (const u of [admin, operator, viewer]) await db().user.create({ data: { ...u, passwordHash: 'x' } });
}

export async function seedHost(name: string, opts: { freeGiB?: number; online?: boolean } = {}) {
  return db().host.create({
    data: {
      name,
      agentUrl: 'http://127.0.0.1:1',
      secret: `secret-${name}`,
      secretHash: `hash-${name}`,
      lastHeartbeat: opts.online === false ? new Date(Date.now() - 60_000) : new Date(),
      memoryTotalBytes: BigInt(16 * GiB),
      memoryUsedBytes: BigInt((16 - (opts.freeGiB ?? 8)) * GiB),
    },
  });
}

export async function seedImage(status = 'ready') {
  return db().image.create({ data: { name: 'tiny-linux', version: '1.0', status, diskPath: '/repo/disk.qcow2', virtualSizeBytes: BigInt(64 * 1024 * 1024) } });
}
