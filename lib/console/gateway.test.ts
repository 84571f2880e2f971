// The console gateway over real sockets: a browser-like WebSocket client with a next-auth session
// cookie, the gateway on a plain HTTP server, a stand-in agent console (ws) over a test database.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { encode } from 'next-auth/jwt';
import { CONSOLE_CLOSE, parseControl, type ConsoleControl } from '@/lib/agent-protocol/console';
import { db } from '@/lib/db/client';
import { resetRateLimits } from '@/lib/http/rate-limit';
import { admin, operator, seedHost, seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';

const ORIGIN = 'http://dashboard.test';
vi.hoisted(() => {
  process.env.NEXTAUTH_SECRET = 'console-gateway-test-secret';
  process.env.NEXTAUTH_URL = 'http://dashboard.test';
});
const { CONSOLE_LIMITS, createConsoleGateway } = await import('./gateway');

const testDb = createTestDb();
let server: http.Server;
let gateway: ReturnType<typeof createConsoleGateway>;
let url: string;

// The stand-in agent: checks the bearer like the real one, records keystrokes, answers as told.
const agent = {
  received: [] as string[],
  refuse: null as null | { status: number; body: unknown },
  sockets: [] as WebSocket[],
  auth: [] as string[],
};
let agentServer: http.Server;

beforeAll(async () => {
  await seedUsers();
  const wss = new WebSocketServer({ noServer: true });
  agentServer = http.createServer();
  agentServer.on('upgrade', (req, socket, head) => {
    agent.auth.push(req.headers.authorization ?? '');
    if (agent.refuse) {
      const text = JSON.stringify(agent.refuse.body);
      return void socket.end(
        `HTTP/1.1 ${agent.refuse.status} No\r\ncontent-type: application/json\r\ncontent-length: ${text.length}\r\n\r\n${text}`,
      );
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      agent.sockets.push(ws);
      ws.send(JSON.stringify({ type: 'attached', historyBytes: 6 }));
      ws.send(Buffer.from('boot\r\n'));
      ws.on('message', (d: Buffer) => agent.received.push(d.toString()));
    });
  });
  await new Promise<void>((r) => agentServer.listen(0, '127.0.0.1', r));
  const host = await seedHost('h1');
  await db().host.update({
    where: { id: host.id },
    data: { agentUrl: `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}` },
  });
  await db().vm.create({
    data: { id: 'vm-a', name: 'web-a', hostId: host.id, state: 'running', vcpus: 1, memoryMiB: 128, diskSizeBytes: 1n },
  });
  await db().vm.create({
    data: {
      id: 'vm-off',
      name: 'web-off',
      hostId: host.id,
      state: 'stopped',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 1n,
    },
  });

  gateway = createConsoleGateway({ log: () => {}, recheckMs: 200 });
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head) || socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway?.close();
  server?.close();
  agentServer?.close();
  testDb.cleanup();
});

beforeEach(async () => {
  Object.assign(agent, { received: [], refuse: null, sockets: [], auth: [] });
  resetRateLimits();
  await db().auditEvent.deleteMany();
});

const cookieFor = async (uid: string) =>
  `next-auth.session-token=${await encode({ token: { uid, username: uid }, secret: process.env.NEXTAUTH_SECRET! })}`;

type Browser = {
  ws: WebSocket;
  controls: ConsoleControl[];
  output: () => string;
  closed: Promise<{ code: number; reason: string }>;
};

function open(vmId: string, headers: Record<string, string>): Promise<Browser> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/api/vms/${vmId}/console/ws`, { headers });
    const controls: ConsoleControl[] = [];
    const chunks: Buffer[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (d: Buffer, binary) => (binary ? chunks.push(d) : controls.push(parseControl(d.toString())!)));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res
        .on('data', (c: Buffer) => (body += c))
        .on('end', () =>
          reject(
            Object.assign(new Error(`HTTP ${res.statusCode}`), {
              status: res.statusCode,
              code: JSON.parse(body).error.code,
            }),
          ),
        );
    });
    ws.on('error', reject);
    ws.on('open', () => resolve({ ws, controls, output: () => Buffer.concat(chunks).toString(), closed }));
  });
}
const as = async (uid: string, origin = ORIGIN) => ({ cookie: await cookieFor(uid), origin });
const refused = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { status: number; code: string }) => ({ status: e.status, code: e.code }),
  );
const audits = () =>
  db().auditEvent.findMany({ where: { action: { startsWith: 'vm.console' } }, orderBy: { id: 'asc' } });

describe('console gateway', () => {
  it('refuses a handshake without a session cookie, from another origin, or of a disabled user', async () => {
    expect(await refused(open('vm-a', { origin: ORIGIN }))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refused(open('vm-a', await as(operator.id, 'http://evil.test')))).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await refused(open('vm-a', { cookie: await cookieFor(operator.id) }))).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    }); // no Origin at all
    expect(
      await refused(open('vm-a', { ...(await as(operator.id)), cookie: 'next-auth.session-token=forged' })),
    ).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    await db().user.update({ where: { id: admin.id }, data: { disabledAt: new Date() } });
    expect(await refused(open('vm-a', await as(admin.id)))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    await db().user.update({ where: { id: admin.id }, data: { disabledAt: null } });
    expect(agent.auth).toEqual([]); // nothing reached the agent
  });

  it("relays an operator's keystrokes and the guest's output; audits open and close", async () => {
    const b = await open('vm-a', await as(operator.id));
    await waitFor('output', async () => b.output().includes('boot'), 5_000, 20);
    expect(b.controls).toContainEqual({ type: 'mode', mode: 'interactive', reason: null });
    expect(agent.auth).toEqual(['Bearer secret-h1']); // the host's dashboard secret, unsealed
    b.ws.send('status\r');
    await waitFor('keystrokes at the agent', async () => agent.received.join('') === 'status\r', 5_000, 20);
    b.ws.close(1000);
    await waitFor('close audited', async () => (await audits()).length === 2, 5_000, 50);
    const [opened, closed] = await audits();
    expect(opened).toMatchObject({
      action: 'vm.console.open',
      actorName: operator.username,
      targetId: 'vm-a',
      result: 'succeeded',
    });
    expect(JSON.parse(opened.detail)).toMatchObject({ mode: 'interactive', host: 'h1' });
    expect(JSON.parse(closed.detail)).toMatchObject({
      mode: 'interactive',
      bytesTyped: 7,
      bytesIgnored: 0,
      closeCode: 1000,
    });
  });

  it("shows a viewer the console read-only and never forwards the viewer's keystrokes", async () => {
    const b = await open('vm-a', await as(viewer.id));
    await waitFor('output', async () => b.output().includes('boot'), 5_000, 20);
    expect(b.controls).toContainEqual(expect.objectContaining({ type: 'mode', mode: 'read-only' }));
    b.ws.send('poweroff\r');
    b.ws.send(Buffer.from('x'));
    await new Promise((r) => setTimeout(r, 300));
    expect(agent.received).toEqual([]);
    b.ws.close(1000);
    await waitFor('close audited', async () => (await audits()).length === 2, 5_000, 50);
    const [opened, closed] = await audits();
    expect(JSON.parse(opened.detail)).toMatchObject({ mode: 'read-only' });
    expect(JSON.parse(closed.detail)).toMatchObject({ mode: 'read-only', bytesTyped: 0, bytesIgnored: 10 });
  });

  it('follows the user row on an open console: a promotion lets them type, disabling closes it', async () => {
    const b = await open('vm-a', await as(viewer.id));
    await waitFor('read-only', async () => b.controls.some((c) => c.type === 'mode'), 5_000, 20);
    await db().user.update({ where: { id: viewer.id }, data: { role: 'operator' } });
    await waitFor(
      'promoted',
      async () => b.controls.some((c) => c.type === 'mode' && c.mode === 'interactive'),
      5_000,
      20,
    );
    b.ws.send('status\r');
    await waitFor('keystrokes at the agent', async () => agent.received.join('') === 'status\r', 5_000, 20);
    await db().user.update({ where: { id: viewer.id }, data: { disabledAt: new Date() } });
    expect((await b.closed).code).toBe(4401);
    await db().user.update({ where: { id: viewer.id }, data: { role: 'viewer', disabledAt: null } });
  });

  it('holds at most CONSOLE_LIMITS.perUser open consoles per user', async () => {
    const held = await Promise.all(
      Array.from({ length: CONSOLE_LIMITS.perUser }, async () => open('vm-a', await as(operator.id))),
    );
    await waitFor('all attached', async () => held.every((b) => b.output().includes('boot')), 5_000, 20);
    const extra = await open('vm-a', await as(operator.id));
    expect((await extra.closed).code).toBe(4429);
    expect(extra.controls[0]).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    const other = await open('vm-a', await as(admin.id)); // another user is not held back
    await waitFor('admin attached', async () => other.output().includes('boot'), 5_000, 20);
    for (const b of [...held, other]) b.ws.close(1000);
    await Promise.all([...held, other].map((b) => b.closed));
    await waitFor(
      'released',
      async () => (await audits()).filter((a) => a.action === 'vm.console.close').length === CONSOLE_LIMITS.perUser + 1,
      5_000,
      50,
    );
    const again = await open('vm-a', await as(operator.id));
    await waitFor('a slot again', async () => again.output().includes('boot'), 5_000, 20);
    again.ws.close(1000);
  });

  it('explains refusals after the upgrade: VM off, agent refusing; passes the VM stopping on', async () => {
    const off = await open('vm-off', await as(operator.id));
    expect((await off.closed).code).toBe(4409);
    expect(off.controls[0]).toMatchObject({ type: 'error', code: 'VM_BAD_POWER_STATE', status: 409 });

    agent.refuse = {
      status: 409,
      body: { error: { code: 'VM_BAD_POWER_STATE', message: 'VM vm-a is shutoff', data: {} } },
    };
    const refusedByAgent = await open('vm-a', await as(operator.id));
    expect((await refusedByAgent.closed).code).toBe(4409);
    expect(refusedByAgent.controls[0]).toMatchObject({ type: 'error', message: 'VM vm-a is shutoff' });
    agent.refuse = null;

    const live = await open('vm-a', await as(operator.id));
    await waitFor('agent socket', async () => agent.sockets.length === 1, 5_000, 20);
    agent.sockets[0].send(JSON.stringify({ type: 'stopped', reason: 'the VM stopped' }));
    agent.sockets[0].close(CONSOLE_CLOSE.stopped, 'VM stopped');
    expect(await live.closed).toEqual({ code: CONSOLE_CLOSE.stopped, reason: 'VM stopped' });
    expect(live.controls.at(-1)).toEqual({ type: 'stopped', reason: 'the VM stopped' });
    expect((await audits()).filter((a) => a.action === 'vm.console.open')).toHaveLength(1); // refusals open nothing
  });
});
