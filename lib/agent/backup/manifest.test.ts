import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { readManifest, rebaseManifest, removeManifest, writeManifest } from './manifest';
import { FLATTENED_REASON, MANIFEST_FORMAT, manifestPathOf, type PointManifest } from '@/lib/agent-protocol/backup';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => (dir = await tempDir('vmops-manifest-')));
afterEach(() => dir.remove());

const at = (n: string) => path.join(dir.path, n);
const manifest = (over: Partial<PointManifest> = {}): PointManifest => ({
  formatVersion: MANIFEST_FORMAT,
  pointId: 'rp-0123456789ab',
  vmId: 'vm-1',
  vmName: 'web-1',
  kind: 'incremental',
  fullReason: null,
  takenAt: '2026-01-02T03:04:05.000Z',
  parent: 'rp-aaaaaaaaaaaa.qcow2',
  sha256: 'a'.repeat(64),
  sizeBytes: 1000,
  virtualSizeBytes: 64 * 1024 ** 2,
  bytesWritten: 512,
  durationMs: 1234,
  vmSpec: { vcpus: 2, memoryMiB: 256, boot: { kernelPath: '/img/vmlinux' }, imageId: 'img-1', tags: ['prod'] },
  ...over,
});

describe('point manifests', () => {
  it('writes <pointId>.json beside the qcow2 and reads it back; no temp file stays', async () => {
    const file = at('rp-0123456789ab.qcow2');
    expect(manifestPathOf(file)).toBe(at('rp-0123456789ab.json'));
    await writeManifest(file, manifest());
    expect(await readManifest(file)).toEqual(manifest());
    expect(JSON.parse(await readFile(at('rp-0123456789ab.json'), 'utf8'))).toMatchObject({
      formatVersion: 1,
      parent: 'rp-aaaaaaaaaaaa.qcow2',
    });
    expect(await readdir(dir.path)).toEqual(['rp-0123456789ab.json']);
  });

  it('refuses to write an invalid manifest, leaving nothing behind', async () => {
    const file = at('rp-0123456789ab.qcow2');
    await expect(writeManifest(file, manifest({ sha256: 'nope' }))).rejects.toThrow();
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('reads "none" as null and a broken or foreign manifest as an error', async () => {
    const file = at('rp-0123456789ab.qcow2');
    expect(await readManifest(file)).toBeNull();
    await writeFile(manifestPathOf(file), JSON.stringify({ ...manifest(), formatVersion: 2 }));
    await expect(readManifest(file)).rejects.toThrow(/not a valid point manifest/);
    await writeFile(manifestPathOf(file), '{ half');
    await expect(readManifest(file)).rejects.toThrow();
  });

  it('a rebase rewrites parent and checksum; flattening makes it a full with the reason', async () => {
    const file = at('rp-0123456789ab.qcow2');
    expect(await rebaseManifest(file, null, { sha256: 'b'.repeat(64), sizeBytes: 9 })).toBe(false); // no manifest: nothing written
    expect(existsSync(manifestPathOf(file))).toBe(false);
    await writeManifest(file, manifest());
    expect(await rebaseManifest(file, at('rp-cccccccccccc.qcow2'), { sha256: 'b'.repeat(64), sizeBytes: 9 })).toBe(
      true,
    );
    expect(await readManifest(file)).toEqual(
      manifest({ parent: 'rp-cccccccccccc.qcow2', sha256: 'b'.repeat(64), sizeBytes: 9 }),
    );
    await rebaseManifest(file, null, { sha256: 'c'.repeat(64), sizeBytes: 10 });
    expect(await readManifest(file)).toEqual(
      manifest({ parent: null, kind: 'full', fullReason: FLATTENED_REASON, sha256: 'c'.repeat(64), sizeBytes: 10 }),
    );
  });

  it('removes only the manifest of that very file', async () => {
    const file = at('rp-0123456789ab.qcow2');
    expect(await removeManifest(file)).toBeNull();
    await writeManifest(file, manifest());
    expect(await removeManifest(file)).toBe(manifestPathOf(file));
    expect(existsSync(manifestPathOf(file))).toBe(false);
    // A .json beside some other .qcow2 that is not its manifest stays.
    const other = at('settings.qcow2');
    await writeFile(manifestPathOf(other), '{"keep": true}');
    await writeManifest(at('disk.qcow2'), manifest()); // a manifest naming another point
    expect(await removeManifest(other)).toBeNull();
    expect(await removeManifest(at('disk.qcow2'))).toBeNull();
    expect(existsSync(manifestPathOf(other)) && existsSync(at('disk.json'))).toBe(true);
  });
});
