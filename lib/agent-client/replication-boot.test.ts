import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_FILE_MAX_BYTES } from '@/lib/agent-protocol/replication';
import { relayBootFiles } from './replication-boot';

// Two tiny HTTP ends standing for the source's GET and the target's PUT of boot files.
type Seen = { method: string; url: string; auth: string | undefined; bytes: number };
const seen: Seen[] = [];
let sourceMode: 'serve' | 'missing' | 'huge' = 'serve';
const files: Record<string, Buffer> = { kernel: Buffer.alloc(300_000, 7), initrd: Buffer.alloc(70_000, 9) };

function listen(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const base = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

let source: http.Server;
let target: http.Server;
beforeAll(async () => {
  source = await listen((req, res) => {
    const file = req.url!.split('/').at(-1)!;
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, bytes: 0 });
    if (sourceMode === 'missing') {
      const body = JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no boot file', data: {} } });
      return void res.writeHead(404, { 'content-type': 'application/json' }).end(body);
    }
    if (sourceMode === 'huge') {
      res.writeHead(200, { 'content-length': String(BOOT_FILE_MAX_BYTES + 1) });
      return void res.write(Buffer.alloc(1024)); // never finished: the relay must not wait for it
    }
    res.writeHead(200, { 'content-length': String(files[file].length) }).end(files[file]);
  });
  target = await listen((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, bytes });
      res.writeHead(204).end();
    });
  });
});
afterAll(async () => {
  source.closeAllConnections();
  target.closeAllConnections();
  await Promise.all([source, target].map((s) => new Promise((r) => s.close(r))));
});

const ends = () => ({
  source: { baseUrl: base(source), secret: 'src-secret', hostName: 'h1' },
  target: { baseUrl: base(target), secret: 'dst-secret', hostName: 'dr1' },
});

describe('relayBootFiles', () => {
  it('streams both files from the source into the replica, each side with its own secret', async () => {
    seen.length = 0;
    sourceMode = 'serve';
    const { source: s, target: t } = ends();
    expect(await relayBootFiles(s, t, 'vm-src-0001', 'r-0123456789ab')).toEqual({ kernel: 300_000, initrd: 70_000 });
    expect(seen).toEqual([
      { method: 'GET', url: '/v1/vms/vm-src-0001/boot/kernel', auth: 'Bearer src-secret', bytes: 0 },
      { method: 'PUT', url: '/v1/replicas/r-0123456789ab/boot/kernel', auth: 'Bearer dst-secret', bytes: 300_000 },
      { method: 'GET', url: '/v1/vms/vm-src-0001/boot/initrd', auth: 'Bearer src-secret', bytes: 0 },
      { method: 'PUT', url: '/v1/replicas/r-0123456789ab/boot/initrd', auth: 'Bearer dst-secret', bytes: 70_000 },
    ]);
  });

  it("passes the source's coded refusal on and sends nothing to the target", async () => {
    seen.length = 0;
    sourceMode = 'missing';
    const { source: s, target: t } = ends();
    await expect(relayBootFiles(s, t, 'vm-src-0001', 'r-0123456789ab')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(seen.map((x) => x.method)).toEqual(['GET']);
  });

  it('refuses a file over the limit before reading it', async () => {
    seen.length = 0;
    sourceMode = 'huge';
    const { source: s, target: t } = ends();
    await expect(relayBootFiles(s, t, 'vm-src-0001', 'r-0123456789ab')).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(seen.map((x) => x.method)).toEqual(['GET']);
  });
});
