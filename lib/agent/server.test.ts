import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, requestHead } from '@/lib/testing/raw-http';
import { createAuth } from './auth';
import { MAX_BODY_BYTES } from './http';
import { Router } from './router';
import { closeServer, createAgentServer, KEEP_ALIVE_MS, listen } from './server';
import { startTestAgent } from '@/lib/testing/agents';
import { type FakeDashboard, startFakeDashboard } from '@/lib/testing/fake-dashboard';
import { waitFor } from '@/lib/wait-for';

let dash: FakeDashboard;
let h: Awaited<ReturnType<typeof startTestAgent>>;
let secret: string;

beforeAll(async () => {
  dash = await startFakeDashboard();
  h = await startTestAgent({ dashboard: dash });
  secret = await h.secret();
});
afterAll(async () => {
  await h.stop();
  await dash.close();
});

const call = (path: string, init: RequestInit & { token?: string | null } = {}) =>
  fetch(`${h.baseUrl}${path}`, {
    ...init,
    headers: {
      ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? secret}` }),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });

describe('agent HTTP server', () => {
  it('answers 401 UNAUTHENTICATED without a token or with a wrong one, even on unknown paths', async () => {
    for (const [path, token] of [
      ['/v1/info', null],
      ['/v1/info', 'wrong'],
      ['/nope', null],
    ] as const) {
      const res = await call(path, { token });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
    }
  });

  it("refuses the agent's own token: only the dashboard's secret opens the agent", async () => {
    const res = await call('/v1/info', { token: dash.enrolled.find((e) => e.name === 'h1')!.agentToken });
    expect(res.status).toBe(401);
  });

  it('keeps idle connections longer than a client does, so a reused socket is never one it is closing', async () => {
    const res = await call('/v1/info');
    await res.arrayBuffer();
    // fetch (undici) closes its idle socket one second before the announced timeout.
    expect(res.headers.get('keep-alive')).toBe(`timeout=${KEEP_ALIVE_MS / 1000}`);
  });

  it('serves /v1/info with the bearer secret and names the driver', async () => {
    const res = await call('/v1/info');
    expect(res.status).toBe(200);
    const info = await res.json();
    expect(info).toMatchObject({ hostName: 'h1', driver: 'simulated', accelerator: 'none' });
    expect(info.pools.map((p: { name: string }) => p.name)).toEqual(['local', 'shared']);
  });

  it('answers 422 with field messages for bad bodies', async () => {
    const res = await call('/v1/vms', { method: 'POST', body: JSON.stringify({ id: 'BAD ID', vcpus: 0, extra: 1 }) });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(Object.keys(body.error.data.fields)).toEqual(
      expect.arrayContaining(['id', 'vcpus', 'name', 'baseImagePath', 'extra']),
    );
    expect(body.error.data.fields.id).toEqual(['lowercase id']);
    expect(body.error.data.fields.extra).toEqual(['unknown field']);
  });

  it('answers 422 for malformed JSON and for a bad console line count', async () => {
    const bad = await call('/v1/vms', { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.data.fields.body[0]).toMatch(/not valid JSON/);
    const lines = await call('/v1/vms/some-vm/console?lines=5000');
    expect(lines.status).toBe(422);
    expect((await lines.json()).error.data.fields.lines).toBeDefined();
  });

  it('answers 404 for unknown routes, VMs and operations, 405 for a wrong method', async () => {
    expect((await call('/v1/nothing')).status).toBe(404);
    const vm = await call('/v1/vms/no-such-vm');
    expect(vm.status).toBe(404);
    expect(await vm.json()).toMatchObject({
      error: { code: 'NO_SUCH_OBJECT', data: { type: 'VM', id: 'no-such-vm' } },
    });
    expect((await call('/v1/operations/0b7c3e0e-7a53-4c2e-9d0e-2f4d6f0a9b11')).status).toBe(404);
    expect((await call('/v1/operations/abc')).status).toBe(422); // not an operation id at all
    const put = await call('/v1/vms', { method: 'PUT' });
    expect(put.status).toBe(405);
  });

  it("pushes heartbeats with the agent's token (the fake dashboard accepts nothing else)", async () => {
    await waitFor('a heartbeat', () => dash.heartbeats.length > 0);
    expect(dash.heartbeats[0]).toMatchObject({
      hostName: 'h1',
      body: { info: { hostName: 'h1', driver: 'simulated' } },
    });
  });
});

// One keep-alive connection: a refused body must not leave it stuck. The next request on it is
// answered, or the connection is closed cleanly (FIN, no reset) right after the refusal.
describe('bodies the agent refuses on a keep-alive connection', () => {
  const auth = () => ({ authorization: `Bearer ${secret}` });
  const info = () => requestHead('GET', '/v1/info', auth());
  const big = Buffer.alloc(4 * MAX_BODY_BYTES, 'a');

  const expectCleanRefusal = (x: Awaited<ReturnType<typeof rawExchange>>, status: number, code: string) => {
    expect(x.ended, x.error ?? '').toBe('closed');
    expect(x.responses[0].status).toBe(status);
    expect(x.responses[0].headers.connection).toBe('close');
    expect(JSON.parse(x.responses[0].body).error.code).toBe(code);
  };

  it('413 for a declared Content-Length over the limit, then a clean close', async () => {
    const head = requestHead('POST', '/v1/vms', {
      ...auth(),
      'content-type': 'application/json',
      'content-length': big.length,
    });
    expectCleanRefusal(await rawExchange(h.agent.port, [head, big, info()], { expect: 2 }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('413 for a chunked body that grows over the limit, then a clean close', async () => {
    const head = requestHead('POST', '/v1/vms', {
      ...auth(),
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    const chunk = `${(64 * 1024).toString(16)}\r\n${'a'.repeat(64 * 1024)}\r\n`;
    const x = await rawExchange(h.agent.port, [head, ...Array<string>(32).fill(chunk), '0\r\n\r\n', info()], {
      expect: 2,
    });
    expectCleanRefusal(x, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('closes cleanly after refusing a request whose body it never read (wrong secret)', async () => {
    const head = requestHead('POST', '/v1/vms', {
      authorization: 'Bearer wrong',
      'content-type': 'application/json',
      'content-length': big.length,
    });
    expectCleanRefusal(await rawExchange(h.agent.port, [head, big, info()], { expect: 2 }), 401, 'UNAUTHENTICATED');
  });

  it('answers what node:http cannot parse with a coded 400, then closes', async () => {
    for (const head of [
      requestHead('POST', '/v1/vms', { ...auth(), 'content-length': 'abc' }),
      requestHead('GET', '/v1/info', { ...auth(), 'x-big': 'a'.repeat(20_000) }),
      'GET /v1/info HTTP/1.1\r\nhost: agent\r\nbad header line\r\n\r\n',
      'NOT-HTTP\r\n\r\n',
    ]) {
      const x = await rawExchange(h.agent.port, [head, info()], { expect: 2 });
      expectCleanRefusal(x, 400, 'BAD_REQUEST');
    }
  });

  it('keeps the connection for the next request after a small refused body or a malformed target', async () => {
    const bad = '{"__proto__": {"x": 1}, "constructor": 1';
    const post = requestHead('POST', '/v1/vms', {
      ...auth(),
      'content-type': 'application/json',
      'content-length': bad.length,
    });
    const x = await rawExchange(h.agent.port, [post, bad, requestHead('GET', '//[', auth()), info()], { expect: 3 });
    expect(x.ended).toBe('answered');
    expect(x.responses.map((r) => r.status)).toEqual([422, 422, 200]);
    expect(JSON.parse(x.responses[1].body).error.data.fields.url).toBeDefined();
  });
});

describe('a bare agent server', () => {
  let server: ReturnType<typeof createAgentServer>;
  let port: number;
  let counted = 0;
  beforeAll(async () => {
    const auth = createAuth('h-limits');
    auth.setSecret('s3cret');
    const router = new Router()
      .post('/v1/echo', async (ctx) => ({ status: 200, body: await ctx.json() }))
      .post('/v1/count', async () => ({ status: 200, body: { counted: ++counted } }));
    server = createAgentServer({ router, auth, log: () => {}, limits: { headersMs: 300, requestMs: 600 } });
    await listen(server, 0, '127.0.0.1');
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => closeServer(server));
  const count = requestHead('POST', '/v1/count', { authorization: 'Bearer s3cret', 'content-length': 0 });

  it('never runs a request pipelined behind one whose connection it closes', async () => {
    const big = Buffer.alloc(2 * MAX_BODY_BYTES, 'a');
    const tooLarge = requestHead('POST', '/v1/echo', {
      authorization: 'Bearer s3cret',
      'transfer-encoding': 'chunked',
    });
    const unread = requestHead('POST', '/v1/echo', { authorization: 'Bearer wrong', 'content-length': big.length });
    for (const writes of [
      [tooLarge, `${big.length.toString(16)}\r\n`, big, '\r\n0\r\n\r\n', count],
      [unread, big, count],
    ]) {
      const x = await rawExchange(port, writes, { expect: 2 });
      expect(x.ended).toBe('closed');
      expect(x.responses.map((r) => r.status)).toEqual([(writes[0] as string).includes('wrong') ? 401 : 413]);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(counted).toBe(0);
    expect(
      (await rawExchange(port, [count, count], { expect: 2 })).responses.map((r) => JSON.parse(r.body).counted),
    ).toEqual([1, 2]); // keep-alive still works
  });

  it('cuts a request whose headers or body never finish arriving: coded 400, connection closed', async () => {
    const stalls = [
      'GET /v1/echo HTTP/1.1\r\nhost: agent\r\n', // headers never end
      requestHead('POST', '/v1/echo', { authorization: 'Bearer s3cret', 'content-length': 100 }) + '{"a":', // body never ends
    ];
    for (const stall of stalls) {
      const started = Date.now();
      const x = await rawExchange(port, [stall], { expect: 1, waitMs: 5000 });
      expect(x.ended, stall).not.toBe('hung');
      expect(x.responses[0]?.status, stall).toBe(400);
      expect(JSON.parse(x.responses[0].body).error.code).toBe('BAD_REQUEST');
      expect(Date.now() - started).toBeLessThan(3000);
    }
  });
});

describe('before enrollment', () => {
  it('answers 503 while the dashboard is not reachable yet', async () => {
    const lonely = await startTestAgent({ dashboard: 'http://127.0.0.1:9', name: 'h9' });
    try {
      const res = await fetch(`${lonely.baseUrl}/v1/info`, { headers: { authorization: 'Bearer anything' } });
      expect(res.status).toBe(503);
      expect((await res.json()).error.message).toMatch(/enrollment/);
    } finally {
      await lonely.stop();
    }
  });
});
