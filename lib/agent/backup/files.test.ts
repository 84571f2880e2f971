import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lutimes, mkdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { finalizePartial, PARTIAL_TOUCH_MS, removeStalePartials, removeUnregistered, UNREGISTERED_MS } from './files';
import {
  backupVmRequestSchema,
  deleteBackupRequestSchema,
  manifestPathOf,
  newPointId,
  POINT_FILE,
  POINT_MANIFEST,
  verifyBackupRequestSchema,
} from '@/lib/agent-protocol/backup';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => (dir = await tempDir('vmops-backup-files-')));
afterEach(() => dir.remove());

describe('backup files', () => {
  it('finalizes a partial: hash of the content, renamed, nothing left behind', async () => {
    const partial = path.join(dir.path, 'p1.qcow2.partial');
    const data = Buffer.alloc(5 * 1024 * 1024 + 7, 0x5a);
    await writeFile(partial, data);
    const r = await finalizePartial(partial, path.join(dir.path, 'p1.qcow2'));
    expect(r).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), sizeBytes: data.length });
    expect(existsSync(partial)).toBe(false);
    expect((await readFile(path.join(dir.path, 'p1.qcow2'))).equals(data)).toBe(true);
  });

  it('removes only stale partials that no running backup owns', async () => {
    const now = Date.now();
    const old = new Date(now - 10 * PARTIAL_TOUCH_MS);
    const names = ['stale.qcow2.partial', 'mine.qcow2.partial', 'fresh.qcow2.partial', 'done.qcow2'];
    for (const n of names) await writeFile(path.join(dir.path, n), 'x');
    for (const n of ['stale.qcow2.partial', 'mine.qcow2.partial', 'done.qcow2'])
      await utimes(path.join(dir.path, n), old, old);
    const removed = await removeStalePartials(dir.path, new Set([path.join(dir.path, 'mine.qcow2.partial')]), now);
    expect(removed).toEqual([path.join(dir.path, 'stale.qcow2.partial')]);
    for (const n of names.slice(1)) expect(existsSync(path.join(dir.path, n))).toBe(true);
  });

  it('removes only old point files that no registered restore point references, nothing else', async () => {
    const now = Date.now();
    const old = new Date(now - UNREGISTERED_MS - 1000);
    const at = (n: string) => path.join(dir.path, n);
    const names = {
      lost: 'rp-0123456789ab.qcow2', // old, unregistered: the one to go
      registered: 'rp-aaaaaaaaaaaa.qcow2',
      fresh: 'rp-bbbbbbbbbbbb.qcow2', // just finished on another host, not registered yet
      partial: 'rp-cccccccccccc.qcow2.partial',
      other: 'notes.qcow2',
      disk: 'disk0.qcow2',
      odd: 'rp-orphan.qcow2',
    };
    for (const n of Object.values(names)) await writeFile(at(n), 'x');
    await mkdir(at('rp-dddddddddddd.qcow2')); // a directory named like a point
    await symlink(at(names.other), at('rp-eeeeeeeeeeee.qcow2'));
    for (const n of [...Object.values(names).filter((n) => n !== names.fresh), 'rp-dddddddddddd.qcow2'])
      await utimes(at(n), old, old);
    await lutimes(at('rp-eeeeeeeeeeee.qcow2'), old, old);
    const removed = await removeUnregistered(dir.path, new Set([at(names.registered)]), now);
    expect(removed).toEqual([at(names.lost)]);
    for (const n of [
      ...Object.values(names).filter((n) => n !== names.lost),
      'rp-dddddddddddd.qcow2',
      'rp-eeeeeeeeeeee.qcow2',
    ])
      expect(existsSync(at(n)), n).toBe(true);
    expect(await removeUnregistered(path.join(dir.path, 'missing'), new Set(), now)).toEqual([]);
  });

  it('treats a point manifest (rp-<hex>.json) like its qcow2', async () => {
    const now = Date.now();
    const old = new Date(now - UNREGISTERED_MS - 1000);
    const at = (n: string) => path.join(dir.path, n);
    const names = [
      'rp-0123456789ab.qcow2',
      'rp-0123456789ab.json',
      'rp-aaaaaaaaaaaa.qcow2',
      'rp-aaaaaaaaaaaa.json',
      'rp-bbbbbbbbbbbb.json',
      'rp-cccccccccccc.json',
      'config.json',
    ];
    for (const n of names) await writeFile(at(n), '{}');
    // The lost point's manifest is young (written after its file): it still goes with the file.
    for (const n of names.filter((n) => !['rp-0123456789ab.json', 'rp-cccccccccccc.json'].includes(n)))
      await utimes(at(n), old, old);
    const removed = await removeUnregistered(dir.path, new Set([at('rp-aaaaaaaaaaaa.qcow2')]), now);
    // Gone: the lost point with its manifest, and an old manifest whose file is gone.
    expect([...removed].sort()).toEqual([
      at('rp-0123456789ab.json'),
      at('rp-0123456789ab.qcow2'),
      at('rp-bbbbbbbbbbbb.json'),
    ]);
    // Kept: the registered point's manifest, a young lone manifest, a name outside the scheme.
    for (const n of ['rp-aaaaaaaaaaaa.qcow2', 'rp-aaaaaaaaaaaa.json', 'rp-cccccccccccc.json', 'config.json'])
      expect(existsSync(at(n)), n).toBe(true);
  });

  it('accepts only absolute backup file paths and safe point ids', () => {
    expect(deleteBackupRequestSchema.safeParse({ paths: ['relative/a.qcow2'] }).success).toBe(false);
    expect(deleteBackupRequestSchema.safeParse({ paths: ['/etc/passwd'] }).success).toBe(false);
    expect(deleteBackupRequestSchema.parse({ paths: ['/r/x/../a.qcow2.partial'] }).paths).toEqual([
      '/r/a.qcow2.partial',
    ]);
    const manifest = { vmName: 'web', vmSpec: { vcpus: 1, memoryMiB: 128, boot: {}, imageId: null, tags: [] } };
    const req = { pointId: 'rp-000000000001', targetDir: '/r', bitmap: 'bm0', parent: null, manifest };
    expect(backupVmRequestSchema.parse(req).forceFull).toBe(false);
    expect(backupVmRequestSchema.safeParse({ ...req, pointId: '../x' }).success).toBe(false);
    expect(backupVmRequestSchema.safeParse({ ...req, extra: 1 }).success).toBe(false);
    expect(backupVmRequestSchema.parse(req).registered).toBeUndefined(); // no list, no sweep
    expect(backupVmRequestSchema.safeParse({ ...req, registered: ['/r/rp-0123456789ab.qcow2'] }).success).toBe(true);
    expect(backupVmRequestSchema.safeParse({ ...req, registered: ['/etc/passwd'] }).success).toBe(false);
    // every point gets its manifest
    expect(backupVmRequestSchema.safeParse({ ...req, manifest: undefined }).success).toBe(false);
    expect(
      backupVmRequestSchema.safeParse({ ...req, manifest: { ...manifest, vmSpec: { ...manifest.vmSpec, extra: 1 } } })
        .success,
    ).toBe(false);
  });

  it('names points by the scheme the sweep recognises', () => {
    const id = newPointId();
    expect(POINT_FILE.test(`${id}.qcow2`)).toBe(true);
    expect(newPointId()).not.toBe(id);
    expect(POINT_FILE.test(`${id}.qcow2.partial`)).toBe(false);
    expect(POINT_MANIFEST.test(path.basename(manifestPathOf(`/r/${id}.qcow2`)))).toBe(true);
  });

  it('verify names the repository and only .qcow2 files', () => {
    const file = { path: '/r/vm/rp-0123456789ab.qcow2', sha256: 'a'.repeat(64) };
    expect(verifyBackupRequestSchema.safeParse({ repository: '/r', files: [file] }).success).toBe(true);
    expect(verifyBackupRequestSchema.safeParse({ files: [file] }).success).toBe(false);
    expect(
      verifyBackupRequestSchema.safeParse({ repository: '/r', files: [{ ...file, path: '/etc/shadow' }] }).success,
    ).toBe(false);
  });
});
