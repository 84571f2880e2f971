import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { waitForOperation } from '@/lib/agent-client/wait';
import { createSimulatedDriver } from '../driver/simulated';
import { Operations } from '../operations';
import type { Operation } from '@/lib/agent-protocol/core';
import { tempDir } from '@/lib/testing/temp-dir';
import { checkSource, fetchSource } from './fetch';
import { createImageService } from './import';
import { listImages } from './repository';

// A minimal qcow2 header (magic, version 3, virtual size 64 MiB at offset 24) plus payload.
function fakeQcow2(bytes = 256 * 1024): Buffer {
  const buf = Buffer.alloc(bytes, 7);
  buf.write('QFI\xfb', 0, 'latin1');
  buf.writeUInt32BE(3, 4);
  buf.writeBigUInt64BE(64n * 1024n * 1024n, 24);
  return buf;
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let src: Awaited<ReturnType<typeof tempDir>>;
let repo: Awaited<ReturnType<typeof tempDir>>;
let disk: Buffer;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  src = await tempDir('vmops-src-');
  disk = fakeQcow2();
  await writeFile(path.join(src.path, 'disk.qcow2'), disk);
  await writeFile(path.join(src.path, 'vmlinux'), 'kernel');
  await writeFile(path.join(src.path, 'initrd.gz'), 'initrd');
  // Serves the source dir with content-length, in small chunks so progress has steps; /moved redirects.
  server = http.createServer(async (req, res) => {
    if (req.url === '/moved') return res.writeHead(302, { location: '/disk.qcow2' }).end();
    const file = await readFile(path.join(src.path, path.basename(req.url ?? ''))).catch(() => null);
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': file.length });
    for (let i = 0; i < file.length; i += 16384) res.write(file.subarray(i, i + 16384));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await src.remove();
});

let images: ReturnType<typeof createImageService>;
let operations: Operations;
beforeEach(async () => {
  repo = await tempDir('vmops-repo-');
  operations = new Operations(() => {});
  images = createImageService({
    imagesDir: repo.path,
    locations: { dirs: [src.path], urlPrefixes: [`${baseUrl}/`] },
    driver: createSimulatedDriver({ pools: [] }),
    operations,
    log: () => {},
  });
});
afterEach(() => repo.remove());

const finish = (op: Operation, seen: number[] = []) =>
  waitForOperation({ getOperation: async (id) => operations.get(id) }, op.id, (o) => seen.push(o.progress), {
    intervalMs: 5,
  });

describe('image import', () => {
  it('imports from local files into a read-only repository entry with a manifest', async () => {
    const op = await images.import({
      name: 'tiny',
      version: '1.0',
      description: 'test',
      disk: { path: path.join(src.path, 'disk.qcow2') },
      kernel: { path: path.join(src.path, 'vmlinux') },
      initrd: { path: path.join(src.path, 'initrd.gz') },
      append: 'console=ttyS0',
      sha256: sha(disk),
    });
    expect(op).toMatchObject({ kind: 'image-import', state: 'running' });
    const done = await finish(op);
    const dir = path.join(repo.path, 'tiny/1.0');
    expect(done.result).toMatchObject({
      name: 'tiny',
      version: '1.0',
      format: 'qcow2',
      sha256: sha(disk),
      sizeBytes: disk.length,
      virtualSizeBytes: 64 * 1024 * 1024,
      diskPath: path.join(dir, 'disk.qcow2'),
      kernelPath: path.join(dir, 'vmlinux'),
      initrdPath: path.join(dir, 'initrd.gz'),
      append: 'console=ttyS0',
    });
    expect((await readdir(dir)).sort()).toEqual(['disk.qcow2', 'initrd.gz', 'manifest.json', 'vmlinux']);
    for (const f of await readdir(dir)) expect((await stat(path.join(dir, f))).mode & 0o777).toBe(0o444);
    expect(await readdir(repo.path)).toEqual(['tiny']); // no temp dir left
    expect(await listImages(repo.path, () => {})).toEqual([done.result]);
    await expect(
      images.import({ name: 'tiny', version: '1.0', disk: { path: path.join(src.path, 'disk.qcow2') } }),
    ).rejects.toThrow(/already exists/);
  });

  it('downloads over http with progress from content-length (following a redirect)', async () => {
    const seen: number[] = [];
    const done = await finish(
      await images.import({
        name: 'net',
        version: '2',
        disk: { url: `${baseUrl}/moved` },
        kernel: { url: `${baseUrl}/vmlinux` },
      }),
      seen,
    );
    expect(done.result).toMatchObject({ sha256: sha(disk), kernelPath: path.join(repo.path, 'net/2/vmlinux') });
    expect(seen).toEqual([...seen].sort((a, b) => a - b)); // never goes backwards
  });

  it('streams a download with progress from content-length and its sha256', async () => {
    const fractions: number[] = [];
    const dest = path.join(repo.path, 'download');
    const checked = await checkSource(
      'disk',
      { url: `${baseUrl}/disk.qcow2` },
      { dirs: [], urlPrefixes: [`${baseUrl}/`] },
    );
    expect(await fetchSource(checked, dest, (f) => fractions.push(f))).toEqual({
      bytes: disk.length,
      sha256: sha(disk),
    });
    expect(fractions.filter((f) => f > 0 && f < 1).length).toBeGreaterThan(3); // 16 KiB chunks of 256 KiB
    expect(fractions.at(-1)).toBe(1);
    expect(await readFile(dest)).toEqual(disk);
  });

  it('fails with CHECKSUM_MISMATCH and leaves nothing in the repository', async () => {
    const op = await images.import({
      name: 'bad',
      version: '1',
      disk: { url: `${baseUrl}/disk.qcow2` },
      sha256: 'a'.repeat(64),
    });
    await expect(finish(op)).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      status: 422,
      data: { expected: 'a'.repeat(64), actual: sha(disk) },
    });
    expect(operations.get(op.id)).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('SHA-256 mismatch'),
    });
    expect(await readdir(repo.path)).toEqual([]);
  });

  it('fails cleanly on a missing URL and refuses a missing local file up front', async () => {
    await expect(
      finish(await images.import({ name: 'gone', version: '1', disk: { url: `${baseUrl}/nope.qcow2` } })),
    ).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
    expect(await readdir(repo.path)).toEqual([]);
    await expect(
      images.import({ name: 'gone', version: '2', disk: { path: path.join(src.path, 'no/such/file') } }),
    ).rejects.toThrow(/No file/);
    // Outside the allowed directory nothing is said about existence.
    await expect(images.import({ name: 'gone', version: '3', disk: { path: '/no/such/file' } })).rejects.toMatchObject({
      code: 'IMPORT_LOCATION_NOT_ALLOWED',
    });
  });

  it('stores the declared minimum memory in the manifest', async () => {
    const done = await finish(
      await images.import({
        name: 'mem',
        version: '1',
        disk: { path: path.join(src.path, 'disk.qcow2') },
        minMemoryMiB: 96,
      }),
    );
    expect(done.result).toMatchObject({ minMemoryMiB: 96 });
    expect((await listImages(repo.path, () => {}))[0]).toMatchObject({ minMemoryMiB: 96 });
  });
});
