import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDashboard, startTestAgent, waitFor, type FakeDashboard } from './testing';

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
    headers: { ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? secret}` }), ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });

describe('agent HTTP server', () => {
  it('answers 401 UNAUTHENTICATED without a token or with a wrong one, even on unknown paths', async () => {
    for (const [path, token] of [['/v1/info', null], ['/v1/info', 'wrong'], ['/nope', null]] as const) {
      const res = await call(path, { token });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
    }
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
    expect(Object.keys(body.error.data.fields)).toEqual(expect.arrayContaining(['id', 'vcpus', 'name', 'baseImagePath', 'extra']));
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
    expect(await vm.json()).toMatchObject({ error: { code: 'NO_SUCH_OBJECT', data: { type: 'VM', id: 'no-such-vm' } } });
    expect((await call('/v1/operations/abc')).status).toBe(404);
    const put = await call('/v1/vms', { method: 'PUT' });
    expect(put.status).toBe(405);
  });

  it('pushes heartbeats with the host secret', async () => {
    await waitFor('a heartbeat', () => dash.heartbeats.length > 0);
    expect(dash.heartbeats[0]).toMatchObject({ hostName: 'h1', body: { info: { hostName: 'h1', driver: 'simulated' } } });
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
