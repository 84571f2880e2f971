import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { createRepositoryGuard } from './repository';

let dir: Awaited<ReturnType<typeof tempDir>>;
let guard: ReturnType<typeof createRepositoryGuard>;
const at = (...p: string[]) => path.join(dir.path, ...p);
const reason = (err: unknown, field = 'path') =>
  (err as { data: { fields: Record<string, string[]> } }).data.fields[field]?.[0];

beforeAll(async () => {
  dir = await tempDir('vmops-repo-guard-');
  for (const d of ['data/pool/vms', 'shared/pool/vms', 'shared/images', 'backups/vm-one'])
    await mkdir(at(d), { recursive: true });
  guard = createRepositoryGuard({
    pools: [
      { name: 'local', path: at('data/pool') },
      { name: 'shared', path: at('shared/pool') },
    ],
    images: at('shared/images'),
    data: at('data'),
  });
});
afterAll(() => dir.remove());

describe('agent repository guard', () => {
  it('refuses system trees, "..", and its own pools / images / data dir (either way) before touching anything', async () => {
    const cases: [string, RegExp][] = [
      ['/', /contains the system directory/],
      ['/etc', /system directory/],
      ['/proc/x/y', /inside \/proc/],
      [`${at('backups')}/../data`, /"\.\."/],
      [at('data'), /agent data directory/],
      [at('data', 'pool', 'vms', 'b'), /inside this host's VM pool local/],
      [at('shared'), /contains this host's VM pool shared/],
      [at('shared', 'images', 'x'), /image repository/],
    ];
    for (const [p, re] of cases) {
      const err = await guard.check({ path: p, create: true }).catch((e: unknown) => e);
      expect(err, p).toMatchObject({ code: 'INVALID_INPUT', status: 422 });
      expect(reason(err), p).toMatch(re);
    }
    expect(existsSync('/proc/x')).toBe(false);
  });

  it('sees through symlinks: a link into the pool is refused with what it resolves to', async () => {
    await symlink(at('data', 'pool'), at('to-pool'));
    const err = await guard.check({ path: `${at('to-pool', 'backups')}/`, create: true }).catch((e: unknown) => e);
    expect(reason(err)).toBe(
      `${at('to-pool', 'backups')} resolves to ${at('data', 'pool', 'backups')}: ${at('data', 'pool', 'backups')} is inside this host's VM pool local (${at('data', 'pool')})`,
    );
    expect(existsSync(at('data', 'pool', 'backups'))).toBe(false);
  });

  it('checks a good path, creating it level by level, and answers the resolved path', async () => {
    await symlink(at('backups'), at('to-backups'));
    const st = await guard.check({ path: at('to-backups', 'new', 'deeper'), create: true });
    expect(st).toMatchObject({
      exists: true,
      writable: true,
      usedBytes: 0,
      usedBytesPartial: false,
      resolvedPath: at('backups', 'new', 'deeper'),
    });
    expect(st.totalBytes).toBeGreaterThanOrEqual(st.freeBytes);
    expect(await guard.check({ path: at('backups', 'missing'), create: false })).toMatchObject({
      exists: false,
      writable: false,
      usedBytes: 0,
    });
    await writeFile(at('backups', 'vm-one', 'rp-0123456789ab.qcow2'), Buffer.alloc(64 * 1024, 1));
    expect((await guard.check({ path: at('backups'), create: false })).usedBytes).toBeGreaterThanOrEqual(64 * 1024);
    const tooDeep = await guard
      .check({ path: at('backups', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'), create: true })
      .catch((e: unknown) => e);
    expect(reason(tooDeep)).toMatch(/at most 8/);
  });

  it('file operations take only restore point files in a VM directory of an allowed place', async () => {
    const ok = at('backups', 'vm-one', 'rp-0123456789ab.qcow2');
    await expect(
      guard.assertPointFiles([ok, `${ok}.partial`, ok.replace('.qcow2', '.json')], (i) => `paths.${i}`),
    ).resolves.toBeUndefined();
    await expect(guard.assertPointFiles([ok], (i) => `files.${i}.path`, at('backups'))).resolves.toBeUndefined();
    const refused: [string, RegExp, string?][] = [
      [at('backups', 'vm-one', 'disk0.qcow2'), /not a restore point file/],
      [at('backups', 'Not_A_Vm', 'rp-0123456789ab.qcow2'), /VM's directory/],
      [at('data', 'pool', 'vms', 'vm-one', 'rp-0123456789ab.qcow2'), /VM pool local/],
      [at('shared', 'images', 'vm-one', 'rp-0123456789ab.qcow2'), /image repository/],
      ['/etc/vm-one/rp-0123456789ab.qcow2', /system directory/],
      [ok, /inside the repository/, at('other')],
    ];
    for (const [p, re, repo] of refused) {
      const err = await guard.assertPointFiles([p], () => 'f', repo).catch((e: unknown) => e);
      expect(reason(err, 'f'), p).toMatch(re);
    }
    // A VM directory that is a symlink into the pool, and a point file that is a symlink.
    await symlink(at('data', 'pool', 'vms'), at('backups', 'vm-two'));
    expect(
      reason(
        await guard
          .assertPointFiles([at('backups', 'vm-two', 'rp-0123456789ab.qcow2')], () => 'f')
          .catch((e: unknown) => e),
        'f',
      ),
    ).toMatch(/resolves to .*VM pool local/);
    await symlink('/etc/passwd', at('backups', 'vm-one', 'rp-aaaaaaaaaaaa.qcow2'));
    expect(
      reason(
        await guard
          .assertPointFiles([at('backups', 'vm-one', 'rp-aaaaaaaaaaaa.qcow2')], () => 'f')
          .catch((e: unknown) => e),
        'f',
      ),
    ).toBe('is not a regular file');
  });
});
