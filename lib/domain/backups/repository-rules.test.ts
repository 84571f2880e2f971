import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { parseInput } from '@/lib/http/validation';
import { seedHost } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { assertRepositoryPlace } from './repository-rules';
import { createRepositorySchema } from './schemas';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const reason = async (typed: string, resolved?: string) =>
  assertRepositoryPlace(typed, resolved).then(
    () => null,
    (err: { status: number; data: { fields: { path: string[] } } }) => (
      expect(err.status).toBe(422),
      err.data.fields.path[0]
    ),
  );
const pathError = (p: string) => {
  try {
    parseInput(createRepositorySchema, { name: 'repo', kind: 'shared', path: p });
    return null;
  } catch (err) {
    return (err as { data: { fields: Record<string, string[]> } }).data.fields.path?.[0] ?? null;
  }
};

beforeAll(async () => {
  const h1 = await seedHost('h1');
  await db().storagePool.create({
    data: { hostId: h1.id, name: 'local', kind: 'local', path: '/srv/h1/pool', totalBytes: 1n, freeBytes: 1n },
  });
  await db().storagePool.create({
    data: { hostId: h1.id, name: 'shared', kind: 'shared', path: '/nas/vmops/pool', totalBytes: 1n, freeBytes: 1n },
  });
  await db().image.create({
    data: { name: 'tiny', version: '1.0', diskPath: '/nas/vmops/images/tiny/1.0/disk.qcow2' },
  });
  await db().backupRepository.create({ data: { name: 'main', kind: 'shared', path: '/nas/backups/main' } });
});

describe('repository path input (schema, shared with the form)', () => {
  it('normalises and refuses relative, "..", NUL, system trees, with the reason on path', () => {
    expect(
      parseInput(createRepositorySchema, { name: 'repo', kind: 'shared', path: ' /srv//backups/./x/ ' }).path,
    ).toBe('/srv/backups/x');
    expect(pathError('backups')).toMatch(/absolute/);
    expect(pathError('/srv/backups/../../etc')).toMatch(/"\.\."/);
    expect(pathError('/srv/\0')).toMatch(/NUL/);
    expect(pathError('/')).toMatch(/contains the system directory/);
    expect(pathError('/etc/')).toMatch(/\/etc, a system directory/);
    expect(pathError('/proc/x')).toMatch(/inside \/proc/);
    expect(pathError('/var')).toMatch(/contains the system directory \/var\/lib/);
    expect(pathError('/tmp')).toMatch(/shared by the whole system/);
    expect(pathError('/var/backups/vmops')).toBeNull();
  });
});

describe('repository place (database rules)', () => {
  it('refuses overlap either way with pools, the image repository and other repositories, naming it', async () => {
    expect(await reason('/srv/h1/pool/backups')).toBe(
      '/srv/h1/pool/backups is inside the VM pool local of host h1 (/srv/h1/pool)',
    );
    expect(await reason('/srv/h1')).toBe('/srv/h1 contains the VM pool local of host h1 (/srv/h1/pool)');
    expect(await reason('/nas/vmops/images/backups')).toMatch(/inside the image repository \(\/nas\/vmops\/images\)/);
    expect(await reason('/nas/vmops')).toMatch(/contains the VM pool shared of host h1/);
    expect(await reason('/nas/backups/main')).toMatch(/is the backup repository main/);
    expect(await reason('/nas/backups/main/sub')).toMatch(/inside the backup repository main/);
    expect(await reason('/nas/backups')).toMatch(/contains the backup repository main/);
    expect(await reason('/nas/backups/other')).toBeNull();
  });

  it('checks the path as an agent resolved it too (a symlink into a pool)', async () => {
    expect(await reason('/nas/backups/link', '/srv/h1/pool/vms')).toBe(
      '/nas/backups/link resolves to /srv/h1/pool/vms: /srv/h1/pool/vms is inside the VM pool local of host h1 (/srv/h1/pool)',
    );
    expect(await reason('/nas/backups/link', '/etc/x')).toMatch(/resolves to \/etc\/x: .*system directory/);
    expect(await reason('/nas/backups/link', '/nas/backups/real')).toBeNull();
  });
});
