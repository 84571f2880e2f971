import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing';
import { finalizePartial, PARTIAL_TOUCH_MS, removeStalePartials, repositoryStatus } from './files';
import { deleteBackupRequestSchema, backupVmRequestSchema } from './protocol';

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
    for (const n of ['stale.qcow2.partial', 'mine.qcow2.partial', 'done.qcow2']) await utimes(path.join(dir.path, n), old, old);
    const removed = await removeStalePartials(dir.path, new Set([path.join(dir.path, 'mine.qcow2.partial')]), now);
    expect(removed).toEqual([path.join(dir.path, 'stale.qcow2.partial')]);
    for (const n of names.slice(1)) expect(existsSync(path.join(dir.path, n))).toBe(true);
  });

  it('reports repository space and the bytes of its files; creates it on request', async () => {
    const repo = path.join(dir.path, 'repo', 'nested');
    const missing = await repositoryStatus(repo, false);
    expect(missing).toMatchObject({ exists: false, writable: false, usedBytes: 0 });
    expect(missing.totalBytes).toBeGreaterThan(0);
    const created = await repositoryStatus(repo, true);
    expect(created).toMatchObject({ exists: true, writable: true, usedBytes: 0 });
    await mkdir(path.join(repo, 'vm1'));
    await writeFile(path.join(repo, 'vm1', 'a.qcow2'), Buffer.alloc(64 * 1024, 1));
    const after = await repositoryStatus(repo, false);
    expect(after.usedBytes).toBeGreaterThanOrEqual(64 * 1024);
    expect(after.freeBytes).toBeLessThanOrEqual(after.totalBytes);
  });

  it('accepts only absolute backup file paths and safe point ids', () => {
    expect(deleteBackupRequestSchema.safeParse({ paths: ['relative/a.qcow2'] }).success).toBe(false);
    expect(deleteBackupRequestSchema.safeParse({ paths: ['/etc/passwd'] }).success).toBe(false);
    expect(deleteBackupRequestSchema.parse({ paths: ['/r/x/../a.qcow2.partial'] }).paths).toEqual(['/r/a.qcow2.partial']);
    const req = { pointId: 'p1', targetDir: '/r', bitmap: 'bm0', parent: null };
    expect(backupVmRequestSchema.parse(req).forceFull).toBe(false);
    expect(backupVmRequestSchema.safeParse({ ...req, pointId: '../x' }).success).toBe(false);
    expect(backupVmRequestSchema.safeParse({ ...req, extra: 1 }).success).toBe(false);
  });
});
