// The dashboard's agent-facing routes (every app/api/agent/**/route.ts, found on disk: heartbeat,
// enroll) under hostile input, against a real test database: whole hostile bodies, every field of
// a valid body spoiled in turn, extra keys named like Object.prototype members, invalid dates and
// numbers JSON cannot hold, oversized lists; no or a wrong bearer. Asserts: never a 5xx, coded
// 4xx bodies, and a rejected request changes no row (a 'denied' audit row of a refused enrollment
// aside). Also: a heartbeat that fails half-way writes nothing (one transaction).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_MAX_VMS, type AgentInfo, type Heartbeat } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { callRoute, discoverRoutes, type AppRoute } from '@/lib/testing/app-routes';
import { openSnapshots } from '@/lib/testing/db-snapshot';
import { seedHost } from '@/lib/testing/fixtures';
import {
  HOSTILE_BODIES,
  HOSTILE_VALUES,
  PROTOTYPE_KEYS,
  leafPaths,
  prototypePolluted,
  replaceAt,
} from '@/lib/testing/hostile-inputs';
import { createTestDb } from '@/lib/testing/test-db';

let dbFile: string;
let cleanup: () => void;
let keyDir: string;
let snapshots: ReturnType<typeof openSnapshots>;
const routes = discoverRoutes('api/agent');

const info: AgentInfo = {
  hostName: 'h1',
  site: 'main',
  agentVersion: '0.1.0',
  driver: 'qemu',
  qemuVersion: '7.2.0',
  accelerator: 'tcg',
  acceleratorReason: 'TCG: no vmx/svm',
  cpuCount: 2,
  cpuModel: 'Test CPU',
  memoryTotalBytes: 8 * 1024 ** 3,
  kernel: 'Linux 6.1',
  pools: [{ name: 'local', kind: 'local', path: '/data/pool', totalBytes: 100, freeBytes: 40 }],
};
const vmSample = (id: string) => ({
  id,
  state: 'running' as const,
  guestReady: true,
  cpuPct: 12,
  rssBytes: 1000,
  diskRdBytes: 1,
  diskWrBytes: 2,
  diskRdOps: 3,
  diskWrOps: 4,
});
const heartbeat = (): Heartbeat => ({
  at: new Date().toISOString(),
  info,
  host: { cpuPct: 55, memUsedBytes: 4 * 1024 ** 3, memTotalBytes: 8 * 1024 ** 3, load1: 1, load5: 1, load15: 1 },
  vms: [vmSample('vm-a')],
});
// By route pattern; the token of the enrollment is unknown, so even a valid body only gets 401.
const VALID: Record<string, () => unknown> = {
  '/api/agent/heartbeat': heartbeat,
  '/api/agent/enroll': () => ({ token: 'f'.repeat(48), name: 'h1', agentUrl: 'http://127.0.0.1:7101', info }),
};
const BEARER = { authorization: 'Bearer token-h1' }; // seedHost's agent token

// Values only a heartbeat can get wrong: dates that are no dates or far off, numbers JSON cannot
// hold exactly (1e400 parses as Infinity), lists over their bound, a VM twice.
const HEARTBEAT_SPOILS: [string, (hb: Heartbeat) => unknown][] = [
  ...[
    '2026-02-30T00:00:00Z',
    'yesterday',
    '',
    '2026-12-06',
    '9999-12-31T23:59:59Z',
    '1970-01-01T00:00:00Z',
    new Date(Date.now() + 3600_000).toISOString(),
  ].map((at): [string, (hb: Heartbeat) => unknown] => [`at ${at}`, (hb) => ({ ...hb, at })]),
  ['1e400 cpuPct', (hb) => JSON.stringify(hb).replace('"cpuPct":55', '"cpuPct":1e400')],
  ['NaN-like text', (hb) => JSON.stringify(hb).replace('"load1":1', '"load1":NaN')],
  ['cpuPct 101', (hb) => ({ ...hb, host: { ...hb.host, cpuPct: 101 } })],
  [
    'too many VMs',
    (hb) => ({
      ...hb,
      vms: Array.from({ length: HEARTBEAT_MAX_VMS + 1 }, (_, i) => vmSample(`vm-${i.toString().padStart(4, '0')}`)),
    }),
  ],
  ['a VM twice', (hb) => ({ ...hb, vms: [vmSample('vm-a'), vmSample('vm-a')] })],
  ['100 pools', (hb) => ({ ...hb, info: { ...hb.info, pools: Array.from({ length: 100 }, () => info.pools[0]) } })],
];

beforeAll(async () => {
  keyDir = mkdtempSync(path.join(tmpdir(), 'vmops-keys-'));
  process.env.VMOPS_SECRET_KEY_FILE = path.join(keyDir, 'agent-secrets.key');
  const t = createTestDb();
  cleanup = t.cleanup;
  dbFile = t.url.replace(/^file:/, '');
  const host = await seedHost('h1');
  await db().vm.create({
    data: {
      id: 'vm-a',
      name: 'a',
      state: 'running',
      hostId: host.id,
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: BigInt(1),
    },
  });
  snapshots = openSnapshots(dbFile);
});
afterAll(() => {
  snapshots?.close();
  cleanup?.();
  rmSync(keyDir, { recursive: true, force: true });
});

const failures: string[] = [];
let sent = 0;

async function probe(route: AppRoute, what: string, body: string, headers: Record<string, string> = BEARER) {
  const before = snapshots.take();
  const a = await callRoute(route, (await route.load()).POST!, { method: 'POST', params: {}, body, headers });
  sent++;
  const changed = [...snapshots.diff(before, snapshots.take())].filter(
    ([t, d]) => !(a.status === 401 && t === 'AuditEvent' && !d.removed.length),
  );
  const error = (a.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const show = `${route.pattern} ${what}: ${body.slice(0, 100)} -> ${a.status} ${a.text.slice(0, 200)}`;
  if (a.status >= 500) failures.push(`5xx ${show}`);
  if (a.status >= 400 && (typeof error?.code !== 'string' || typeof error?.message !== 'string'))
    failures.push(`uncoded ${show}`);
  if (a.status >= 400 && changed.length) failures.push(`changed ${changed.map(([t]) => t).join(', ')}: ${show}`);
  return a;
}

describe('agent-facing dashboard routes, hostile input', { timeout: 240_000 }, () => {
  it('has a valid body for every route under app/api/agent', () => {
    expect(routes.map((r) => r.pattern).sort()).toEqual(Object.keys(VALID).sort());
  });

  it('accepts the valid heartbeat (so each spoiled field below is what gets refused)', async () => {
    const hb = routes.find((r) => r.pattern === '/api/agent/heartbeat')!;
    expect((await probe(hb, 'valid', JSON.stringify(heartbeat()))).status).toBe(204);
    const enroll = routes.find((r) => r.pattern === '/api/agent/enroll')!;
    expect(
      (await probe(enroll, 'valid shape, unknown token', JSON.stringify(VALID['/api/agent/enroll']()), {})).status,
    ).toBe(401);
  });

  it('refuses hostile bodies, spoiled fields and built-in key names with a coded 4xx and no row changed', async () => {
    for (const route of routes) {
      const base = VALID[route.pattern]();
      for (const body of HOSTILE_BODIES) await probe(route, 'body', body);
      for (const at of leafPaths(base))
        for (const v of HOSTILE_VALUES)
          await probe(route, `field ${at.join('.')}`, JSON.stringify(replaceAt(base, at, v)));
      for (const at of [[], ['info'], ['host'], ['vms', 0], ['info', 'pools', 0]]) {
        for (const k of PROTOTYPE_KEYS) {
          const spoiled = structuredClone(base) as Record<string, unknown>;
          const holder = at.reduce<unknown>(
            (o, step) => (o as Record<string | number, unknown> | undefined)?.[step],
            spoiled,
          );
          if (!holder || typeof holder !== 'object') continue;
          Object.defineProperty(holder, k, { value: { polluted: true }, enumerable: true });
          const a = await probe(route, `key ${[...at, k].join('.')}`, JSON.stringify(spoiled));
          expect(a.status, `${route.pattern} key ${[...at, k].join('.')}`).toBeGreaterThanOrEqual(400);
        }
      }
    }
    const hb = routes.find((r) => r.pattern === '/api/agent/heartbeat')!;
    for (const [what, spoil] of HEARTBEAT_SPOILS) {
      const body = spoil(heartbeat());
      const a = await probe(hb, what, typeof body === 'string' ? body : JSON.stringify(body));
      expect(a.status, what).toBe(422);
    }
    expect(failures).toEqual([]);
    expect(prototypePolluted()).toBe(false);
    console.log(`hostile agent-route requests: ${sent}`);
  });

  it('answers 401 without the agent token, whatever the body, and changes nothing', async () => {
    const hb = routes.find((r) => r.pattern === '/api/agent/heartbeat')!;
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong' },
      { authorization: 'token-h1' },
      { authorization: `Bearer ${'x'.repeat(10_000)}` },
    ])
      for (const body of [JSON.stringify(heartbeat()), 'not json', HOSTILE_BODIES[12]])
        expect((await probe(hb, 'auth', body, headers)).status).toBe(401);
    expect(failures).toEqual([]);
  });

  it('writes a heartbeat all or nothing: a failure half-way leaves no row changed', async () => {
    const hb = routes.find((r) => r.pattern === '/api/agent/heartbeat')!;
    const sqlite = new Database(dbFile);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {}); // the 500 is logged with its stack
    // The samples are written last: failing them proves the host and VM updates before are undone.
    sqlite.exec(
      "CREATE TRIGGER fail_samples BEFORE INSERT ON MetricSample BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END;",
    );
    try {
      const before = snapshots.take();
      const body = heartbeat();
      body.host.cpuPct = 99;
      body.vms[0].state = 'shutoff';
      const a = await callRoute(hb, (await hb.load()).POST!, {
        method: 'POST',
        params: {},
        body: JSON.stringify(body),
        headers: BEARER,
      });
      expect(a.status).toBe(500); // an unexpected storage failure, not the caller's fault
      expect([...snapshots.diff(before, snapshots.take()).keys()]).toEqual([]);
    } finally {
      sqlite.exec('DROP TRIGGER fail_samples');
      sqlite.close();
      logged.mockRestore();
    }
  });
});
