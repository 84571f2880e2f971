import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Heartbeat } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { seedHost } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { directRoute } from './direct-routes';

const testDb = createTestDb();
let server: http.Server;
let base: string;

beforeAll(async () => {
  // As the dashboard server does: a direct route first, anything else to "Next" (here a marker).
  server = http.createServer((req, res) => {
    const direct = directRoute(req);
    if (direct) void direct(res);
    else res.writeHead(299).end('next');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  testDb.cleanup();
});

const heartbeat = (): Heartbeat => ({
  at: new Date().toISOString(),
  info: {
    hostName: 'd1',
    site: 'main',
    agentVersion: '0.1.0',
    driver: 'simulated',
    qemuVersion: null,
    accelerator: 'tcg',
    acceleratorReason: '',
    cpuCount: 2,
    cpuModel: 'c',
    memoryTotalBytes: 8e9,
    kernel: '6.1',
    pools: [],
  },
  host: { cpuPct: 42, memUsedBytes: 1e9, memTotalBytes: 8e9, load1: 1, load5: 1, load15: 1 },
  vms: [],
});

const post = (token: string, body: string, path = '/api/agent/heartbeat') =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', host: 'evil host' },
    body,
  });

describe('routes the dashboard server answers before Next', () => {
  it('takes a heartbeat with the Next route handler: stored, 204; coded errors as JSON', async () => {
    const host = await seedHost('d1');
    const ok = await post('token-d1', JSON.stringify(heartbeat()), '/api/agent/heartbeat?ignored=1');
    expect(ok.status).toBe(204);
    expect(await db().host.findUniqueOrThrow({ where: { id: host.id } })).toMatchObject({ cpuPct: 42 });
    expect(await db().metricSample.count({ where: { hostId: host.id } })).toBe(1);

    const denied = await post('token-nobody', JSON.stringify(heartbeat()));
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const bad = await post('token-d1', JSON.stringify({ ...heartbeat(), extra: 1 }));
    expect(bad.status).toBe(422);
    expect((await bad.json()) as unknown).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    expect(await db().metricSample.count({ where: { hostId: host.id } })).toBe(1);
  });

  it('leaves every other method and path to Next', async () => {
    expect((await fetch(`${base}/api/agent/heartbeat`)).status).toBe(299);
    expect((await post('token-d1', '{}', '/api/agent/heartbeat/x')).status).toBe(299);
    expect((await post('token-d1', '{}', '/api/agent/enroll')).status).toBe(299);
    expect((await post('token-d1', '{}', '/api/agent/HEARTBEAT')).status).toBe(299);
  });
});
