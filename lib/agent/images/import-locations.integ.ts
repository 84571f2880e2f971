// A REAL agent process (--driver qemu: the allowed import converts with qemu-img) with one extra
// import directory and one allowed URL prefix. Proves: an import from the allowed directory
// succeeds; /etc/passwd, a symlink to it inside the allowed directory, `..`, a missing file, a
// FIFO outside, the agent's own URL, an internal port and a redirect out are all refused with the
// same error, without the agent opening the FIFO or an internal server seeing a request.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient, waitForOperation, type AgentClient } from '@/lib/agent-client';
import type { ImportImageRequest } from '@/lib/agent-protocol/core';
import { type FakeDashboard, startFakeDashboard } from '@/lib/testing/fake-dashboard';
import { spawnAgent, type AgentProcess } from '@/lib/testing/agents';
import { buildGuest, GUEST_DISK } from '@/lib/testing/guest';
import { tempDir } from '@/lib/testing/temp-dir';
import { freePort } from '@/lib/net/free-port';

let dash: FakeDashboard;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let agent: AgentProcess;
let port: number;
let secret: string;
let client: AgentClient;
let allowedDir: string;
let outsideDir: string;
const hits: string[] = [];
let internal: Server;
let internalUrl: string;
let mirror: Server;
let mirrorUrl: string;

async function listenOn(handler: http.RequestListener): Promise<[Server, string]> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return [s, `http://127.0.0.1:${(s.address() as AddressInfo).port}`];
}

beforeAll(async () => {
  buildGuest();
  dash = await startFakeDashboard();
  tmp = await tempDir('vmops-integ-import-');
  allowedDir = path.join(tmp.path, 'allowed');
  outsideDir = path.join(tmp.path, 'allowed-evil'); // shares the allowed dir's name as a prefix
  mkdirSync(allowedDir);
  mkdirSync(outsideDir);
  copyFileSync(GUEST_DISK, path.join(allowedDir, 'disk.qcow2'));
  writeFileSync(path.join(outsideDir, 'secret.qcow2'), 'not yours');
  symlinkSync('/etc/passwd', path.join(allowedDir, 'passwd.qcow2'));
  execFileSync('mkfifo', [path.join(outsideDir, 'fifo')]);

  [internal, internalUrl] = await listenOn((req, res) => {
    hits.push(`internal ${req.url}`);
    res.end('internal data');
  });
  [mirror, mirrorUrl] = await listenOn((req, res) => {
    hits.push(`mirror ${req.url}`);
    res.writeHead(302, { location: `${internalUrl}/admin` }).end();
  });

  port = await freePort();
  agent = spawnAgent({
    name: 'imp',
    port,
    data: path.join(tmp.path, 'data'),
    shared: path.join(tmp.path, 'shared'),
    dashboard: dash.url,
    token: dash.token,
    driver: 'qemu',
    importDirs: [allowedDir],
    extra: ['--import-url-prefix', `${mirrorUrl}/pub/`],
  });
  await agent.ready();
  secret = dash.enrolled.find((h) => h.name === 'imp')!.dashboardSecret;
  client = createAgentClient({ baseUrl: `http://127.0.0.1:${port}`, secret, hostName: 'imp', timeoutMs: 120_000 });
});

afterAll(async () => {
  agent?.child.kill('SIGTERM');
  await new Promise((r) => (agent?.child.exitCode !== null ? r(null) : agent.child.once('exit', r)));
  await Promise.all([new Promise((r) => internal?.close(r)), new Promise((r) => mirror?.close(r))]);
  await dash?.close();
  await tmp?.remove();
});

const post = async (route: string, body: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
};

describe('image import locations on a real agent', () => {
  it('lists its import locations: the image store and the configured ones', async () => {
    expect(await client.importLocations()).toEqual({
      dirs: [path.join(tmp.path, 'shared/image-store'), allowedDir],
      urlPrefixes: [`${mirrorUrl}/pub/`],
    });
  });

  it('imports from an allowed directory (converted by qemu-img)', async () => {
    const op = await client.importImage({
      name: 'allowed',
      version: '1',
      disk: { path: path.join(allowedDir, 'disk.qcow2') },
      minMemoryMiB: 96,
    });
    const done = await waitForOperation(client, op.id, undefined, { intervalMs: 200, timeoutMs: 120_000 });
    expect(done.result).toMatchObject({
      name: 'allowed',
      format: 'qcow2',
      minMemoryMiB: 96,
      diskPath: path.join(tmp.path, 'shared/images/allowed/1/disk.qcow2'),
    });
  });

  it('refuses every source outside with one identical answer, reading and connecting to nothing', async () => {
    const fifo = path.join(outsideDir, 'fifo');
    // Opening a FIFO for writing waits until someone opens it for reading: had the agent opened
    // it (even to check it), this would settle.
    let writerOpened = false;
    const writer = open(fifo, 'w').then((h) => {
      writerOpened = true;
      return h;
    });
    const sources: ImportImageRequest['disk'][] = [
      { path: '/etc/passwd' },
      { path: path.join(allowedDir, 'passwd.qcow2') }, // symlink inside -> /etc/passwd
      { path: `${allowedDir}/../allowed-evil/secret.qcow2` }, // `..`
      { path: path.join(outsideDir, 'secret.qcow2') }, // shares the allowed dir's prefix
      { path: path.join(outsideDir, 'missing.qcow2') },
      { path: '/proc/self/environ' },
      { path: fifo },
      { url: `http://127.0.0.1:${port}/v1/info` }, // the agent's own API
      { url: `${internalUrl}/admin` }, // an internal port
      { url: `${mirrorUrl.replace('//', '//x@')}/pub/disk.qcow2` }, // userinfo
      { url: `${mirrorUrl}/private/disk.qcow2` }, // the allowed host, outside the path prefix
    ];
    const answers = new Set<string>();
    for (const disk of sources) {
      for (const route of ['/v1/images/import', '/v1/images/check-sources']) {
        const r = await post(route, route.endsWith('import') ? { name: 'refused', version: '1', disk } : { disk });
        expect(r.status, JSON.stringify(disk)).toBe(422);
        expect(JSON.parse(r.body).error.code).toBe('IMPORT_LOCATION_NOT_ALLOWED');
        answers.add(r.body);
      }
    }
    expect(answers.size).toBe(1);
    const [answer] = answers;
    expect(answer).toContain(allowedDir); // says where imports ARE allowed
    expect(answer).not.toMatch(/root:|passwd|secret|missing|exist|HTTP|ECONNREFUSED|internal/);
    await new Promise((r) => setTimeout(r, 300));
    expect(writerOpened).toBe(false);
    expect(hits).toEqual([]);
    expect(existsSync(path.join(tmp.path, 'shared/images/refused'))).toBe(false);
    // Release the pending writer: open the FIFO for reading ourselves.
    const reader = await open(fifo, 'r');
    await (await writer).close();
    await reader.close();
  });

  it('follows a redirect from an allowed prefix only to an allowed location', async () => {
    const op = await client.importImage({
      name: 'redirected',
      version: '1',
      disk: { url: `${mirrorUrl}/pub/disk.qcow2` },
    });
    await expect(waitForOperation(client, op.id, undefined, { intervalMs: 200 })).rejects.toMatchObject({
      code: 'IMPORT_LOCATION_NOT_ALLOWED',
    });
    expect(hits).toEqual(['mirror /pub/disk.qcow2']); // the internal server never saw the request
  });

  it('says "no such file" only inside an allowed directory', async () => {
    const r = await post('/v1/images/check-sources', { disk: { path: path.join(allowedDir, 'nope.qcow2') } });
    expect(r.status).toBe(404);
  });
});
