import { execFileSync } from 'node:child_process';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { checkSource, fetchSource, releaseSource } from './fetch';
import { isInside, openLocalSource, urlAllowed, type ImportLocations } from './locations';

let root: Awaited<ReturnType<typeof tempDir>>;
let loc: ImportLocations;
let allowed: string;

beforeAll(async () => {
  root = await tempDir('vmops-loc-');
  allowed = path.join(root.path, 'img');
  await mkdir(path.join(allowed, 'sub'), { recursive: true });
  await mkdir(path.join(root.path, 'img-evil'));
  await writeFile(path.join(allowed, 'sub/disk.raw'), 'disk');
  await writeFile(path.join(root.path, 'img-evil/secret'), 'secret');
  await writeFile(path.join(root.path, 'outside'), 'outside');
  await symlink('/etc/passwd', path.join(allowed, 'passwd-link'));
  await symlink(path.join(root.path, 'img-evil'), path.join(allowed, 'evil-dir'));
  await symlink(path.join(allowed, 'sub/disk.raw'), path.join(allowed, 'inner-link'));
  execFileSync('mkfifo', [path.join(allowed, 'fifo')]);
  // The allowed dir is itself reached through a symlink: compared after resolving both sides.
  await symlink(allowed, path.join(root.path, 'img-alias'));
  loc = { dirs: [path.join(root.path, 'img-alias')], urlPrefixes: [] };
});
afterAll(() => root.remove());

const refusedCode = { code: 'IMPORT_LOCATION_NOT_ALLOWED', status: 422 };

describe('local import paths', () => {
  it('compares directories at a separator', () => {
    expect(isInside('/srv/img', '/srv/img/a')).toBe(true);
    expect(isInside('/srv/img', '/srv/img-evil/a')).toBe(false);
    expect(isInside('/srv/img', '/srv/img')).toBe(false);
    expect(isInside('/', '/etc/passwd')).toBe(true);
  });

  it('opens a regular file inside an allowed directory (also through an inner symlink)', async () => {
    for (const p of [
      path.join(allowed, 'sub/disk.raw'),
      path.join(root.path, 'img-alias/sub/../sub/disk.raw'),
      path.join(allowed, 'inner-link'),
    ]) {
      const opened = await openLocalSource('disk', p, loc);
      expect(opened.size).toBe(4);
      await opened.handle.close();
    }
  });

  it('refuses everything outside with one identical error, whether or not it exists', async () => {
    const refused = [
      '/etc/passwd',
      '/etc/no-such-file',
      path.join(allowed, 'passwd-link'), // symlink out
      path.join(allowed, 'evil-dir/secret'), // directory symlink out
      path.join(allowed, 'evil-dir/missing'), // missing behind a symlink out: still no existence answer
      path.join(allowed, '../img-evil/secret'), // `..`
      path.join(root.path, 'img-evil/secret'), // prefix trick
      path.join(root.path, 'outside'),
      `${allowed}/sub/disk.raw\0`,
      'relative/disk.raw',
    ];
    const errors = [];
    for (const p of refused) {
      const err = await openLocalSource('disk', p, loc).then(
        () => null,
        (e: Error) => e,
      );
      expect(err, p).toMatchObject(refusedCode);
      errors.push(JSON.stringify(err));
    }
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]).not.toMatch(/passwd|secret|outside|exist/);
    expect(errors[0]).toContain(path.join(root.path, 'img-alias')); // says what IS allowed
  });

  it('says "no such file" only inside an allowed directory, and refuses a FIFO there without blocking', async () => {
    await expect(openLocalSource('kernel', path.join(allowed, 'sub/missing'), loc)).rejects.toMatchObject({
      code: 'NO_SUCH_OBJECT',
    });
    await expect(openLocalSource('kernel', path.join(allowed, 'fifo'), loc)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      data: { fields: { kernel: ['Not a regular file'] } },
    });
    await expect(openLocalSource('kernel', path.join(allowed, 'sub'), loc)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});

describe('import URLs', () => {
  const prefixes = ['https://images.example/pub/', 'http://mirror.example:8080/img'];
  it.each([
    ['https://images.example/pub/disk.qcow2', true],
    ['https://IMAGES.example:443/pub/a/b.qcow2', true],
    ['http://mirror.example:8080/img/disk', true],
    ['http://mirror.example:8080/img', true],
    ['http://mirror.example:8080/img-evil/disk', false],
    ['http://mirror.example/img/disk', false], // other port
    ['http://images.example/pub/disk', false], // other scheme
    ['https://images.example/pub/../admin', false], // normalised to /admin
    ['https://images.example/pub/%2e%2e/admin', false],
    ['https://images.example/pub/..%2fadmin', false],
    ['https://images.example@evil.example/pub/disk', false],
    ['https://user:pw@images.example/pub/disk', false],
    ['https://images.example.evil.example/pub/disk', false],
    ['ftp://images.example/pub/disk', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s -> %s', (url, ok) => expect(urlAllowed(url, prefixes)).toBe(ok));
});

describe('fetching from an allowed prefix', () => {
  let server: Server;
  let other: Server;
  let base: string;
  let otherBase: string;
  const hits: string[] = [];
  beforeAll(async () => {
    other = http.createServer((req, res) => {
      hits.push(`other ${req.url}`);
      res.end('internal');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    server = http.createServer((req, res) => {
      hits.push(`allowed ${req.url}`);
      if (req.url === '/pub/to-internal') return res.writeHead(302, { location: `${otherBase}/secret` }).end();
      if (req.url === '/pub/to-outside-path') return res.writeHead(302, { location: '/private/x' }).end();
      if (req.url === '/pub/to-inside') return res.writeHead(301, { location: '/pub/file' }).end();
      if (req.url === '/pub/stall') return; // never answers
      if (req.url === '/pub/chunked') return void res.write(Buffer.alloc(4096), () => res.end()); // chunked: no content-length
      res.end('file');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => other.close(r))]);
  });

  const limits = { headersMs: 300, idleMs: 300, totalMs: 5000, maxBytes: 1024 };

  it('checks every redirect target and bounds waiting and size', async () => {
    const l = { dirs: [], urlPrefixes: [`${base}/pub/`] };
    const dir = await tempDir('vmops-fetch-');
    const get = async (p: string, lim = limits) =>
      fetchSource(
        await checkSource('disk', { url: `${base}${p}` }, l),
        path.join(dir.path, `f${Math.random()}`),
        undefined,
        lim,
      );
    await expect(get('/pub/to-inside')).resolves.toMatchObject({ bytes: 4 });
    await expect(get('/pub/to-internal')).rejects.toMatchObject(refusedCode);
    await expect(get('/pub/to-outside-path')).rejects.toMatchObject(refusedCode);
    expect(hits.filter((h) => h.startsWith('other') || h.includes('/private'))).toEqual([]); // never followed
    await expect(get('/pub/stall')).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(get('/pub/file', { ...limits, maxBytes: 2 })).rejects.toThrow(/larger than 2 bytes/); // by content-length
    await expect(get('/pub/chunked', { ...limits, maxBytes: 1024 })).rejects.toThrow(/larger than 1024 bytes/); // counted
    // Refused before any connection: the internal server sees nothing.
    await expect(checkSource('disk', { url: `${otherBase}/secret` }, l)).rejects.toMatchObject(refusedCode);
    expect(hits.some((h) => h.startsWith('other'))).toBe(false);
    await dir.remove();
  });

  it('reads a checked local file through its descriptor', async () => {
    const dir = await tempDir('vmops-fetch-');
    const checked = await checkSource('disk', { path: path.join(allowed, 'sub/disk.raw') }, loc);
    await expect(fetchSource(checked, path.join(dir.path, 'copy'))).resolves.toMatchObject({ bytes: 4 });
    await releaseSource(checked);
    expect(await readdir(dir.path)).toEqual(['copy']);
    await dir.remove();
  });
});
