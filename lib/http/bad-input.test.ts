// The bad-input suite: every app/api/**/route.ts found on disk, every exported method, as admin,
// operator, viewer and signed out, with hostile bodies, queries and route params. Everything is
// real (services, SQLite, audit) except the next-auth session lookup. Asserts: never a 5xx; 4xx
// answers carry { error: { code, message } }; a viewer gets 403 on every mutating route before
// any 422; signed out gets 401; a rejected request changes no row (a 'denied' audit row aside);
// nothing reaches Object.prototype.
import '@/lib/testing/next-runtime'; // first: before anything loads Next
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionUser } from '@/lib/domain/auth/dto';
import {
  callRoute,
  discoverRoutes,
  HTTP_METHODS,
  type AppRoute,
  type HttpMethod,
  type RouteCall,
} from '@/lib/testing/app-routes';
import { seedWorld, type World } from '@/lib/testing/bad-input-world';
import { openSnapshots, type DbSnapshot } from '@/lib/testing/db-snapshot';
import { admin, operator, viewer } from '@/lib/testing/fixtures';
import {
  HOSTILE_BODIES,
  HOSTILE_VALUES,
  PATH_TRICKS,
  PROTOTYPE_KEYS,
  leafPaths,
  prototypePolluted,
  replaceAt,
} from '@/lib/testing/hostile-inputs';
import { createTestDb } from '@/lib/testing/test-db';
import { isUrlSchemaName, validInputs } from '@/lib/testing/valid-inputs';
import { discoverSchemas, fieldPaths } from '@/lib/testing/zod-walk';
import { resetRateLimits } from './rate-limit';

const session = vi.hoisted(() => ({ user: null as { id: string } | null }));
vi.mock('next-auth', async (importOriginal) => ({
  ...(await importOriginal<typeof import('next-auth')>()),
  getServerSession: async () =>
    session.user ? { user: session.user, expires: new Date(Date.now() + 3600_000).toISOString() } : null,
}));

type Role = 'admin' | 'operator' | 'viewer' | 'none';
const USERS: Record<Exclude<Role, 'none'>, SessionUser> = { admin, operator, viewer };

// Routes without a user session: the agents' (bearer token), next-auth's own, and health.
const sessionless = (r: AppRoute) => /^\/api\/(agent|auth)\//.test(r.pattern) || r.pattern === '/api/health';
// POSTs that only read (a preview computed from the body): open to viewers.
const READS_BY_POST = new Set(['/api/backup-jobs/preview']);
const mutating = (r: AppRoute, m: HttpMethod) => m !== 'GET' && !READS_BY_POST.has(r.pattern) && !sessionless(r);

const routes = discoverRoutes();
const failures: string[] = [];
let counted = 0;
const accepted = new Set<string>(); // route methods some valid input got through (their services ran)
let world: World;
let samples: Record<string, unknown>;
let queryKeys: string[];
let snapshots: ReturnType<typeof openSnapshots>;
let pristine: DbSnapshot;
let cleanup: () => void;
let keyDir: string;

beforeAll(async () => {
  keyDir = mkdtempSync(path.join(tmpdir(), 'vmops-keys-'));
  process.env.VMOPS_SECRET_KEY_FILE = path.join(keyDir, 'agent-secrets.key');
  process.env.NEXTAUTH_SECRET = 'bad-input-suite';
  process.env.NEXTAUTH_URL = 'http://127.0.0.1:3000';
  const t = createTestDb();
  cleanup = t.cleanup;
  world = await seedWorld();
  samples = Object.fromEntries(
    Object.entries(validInputs(world)).filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v)),
  );
  const found = await discoverSchemas('lib/domain', ['schemas.ts', 'queries.ts']);
  queryKeys = [
    ...new Set(
      found.filter((s) => isUrlSchemaName(s.name)).flatMap((s) => fieldPaths(s.schema, 1).map((p) => String(p[0]))),
    ),
    ...PROTOTYPE_KEYS,
  ];
  snapshots = openSnapshots(t.url.replace(/^file:/, ''));
  pristine = snapshots.take();
});

afterAll(() => {
  snapshots?.close();
  cleanup?.();
  rmSync(keyDir, { recursive: true, force: true });
});

function describeCall(c: RouteCall): string {
  const cut = (s: string) => (s.length > 80 ? `${s.slice(0, 80)}…(${s.length})` : s);
  return cut(JSON.stringify({ params: c.params, query: c.query, body: c.body }));
}

// One request and every assertion about its answer; failures are collected so a route's test lists them all.
async function probe(route: AppRoute, method: HttpMethod, role: Role, call: Omit<RouteCall, 'method'>) {
  const handler = (await route.load())[method]!;
  session.user = role === 'none' ? null : { id: USERS[role].id };
  resetRateLimits();
  const full = { ...call, method };
  // Every change is undone below, so the database is `pristine` before each request.
  const version = snapshots.version();
  const answer = await callRoute(route, handler, full);
  counted++;
  if (answer.status < 300) accepted.add(`${method} ${route.pattern}`);
  const where = `${method} ${route.pattern} as ${role} ${describeCall(full)} -> ${answer.status}`;
  const fail = (why: string) => failures.push(`${where}: ${why}`);
  // 503 is the coded answer for a host or agent that cannot be reached (hosts here point at a closed port).
  if (answer.status >= 500 && answer.status !== 503) fail(`server error ${answer.text.slice(0, 300)}`);
  const changes: ReturnType<typeof snapshots.diff> =
    snapshots.version() === version ? new Map() : snapshots.diff(pristine, snapshots.take());
  if (answer.status >= 400) {
    const e = (answer.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (!route.pattern.startsWith('/api/auth/') && (typeof e?.code !== 'string' || typeof e?.message !== 'string'))
      fail(`no { error: { code, message } } body: ${answer.text.slice(0, 200)}`);
    for (const [table, d] of changes) {
      // The audit trail records refused and failed attempts: that is its job, not a state change.
      const onlyAttempts =
        table === 'AuditEvent' &&
        d.removed.length === 0 &&
        d.added.every((row) => row.result === 'denied' || row.result === 'failed');
      if (!onlyAttempts)
        fail(
          `rejected but changed ${table}: +${d.added.length} -${d.removed.length} ${JSON.stringify(d.added[0] ?? d.removed[0], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 200)}`,
        );
    }
  }
  if (!sessionless(route) && role === 'none' && answer.status !== 401) fail('signed out but not 401');
  if (role === 'viewer' && mutating(route, method) && answer.status !== 403)
    fail('viewer on a mutating route but not 403');
  if (changes.size) snapshots.restore(pristine);
  return answer;
}

function paramSets(route: AppRoute): Record<string, string>[] {
  const real = Object.fromEntries(
    route.params.map((p) => [p.name, world[p.name] ?? (p.catchAll ? 'session' : 'no-such-id')]),
  );
  const tricks = [...PATH_TRICKS, '__proto__', 'constructor', 'x'.repeat(5_000)];
  return [real, ...route.params.flatMap((p) => tricks.map((t) => ({ ...real, [p.name]: t })))];
}

// Agent routes: no bearer, a real host's token (seedHost: token-<name>), a made-up one.
const agentHeaders = (route: AppRoute): Record<string, string>[] =>
  route.pattern.startsWith('/api/agent/')
    ? [{}, { authorization: 'Bearer token-h1' }, { authorization: 'Bearer ../../etc' }]
    : [{}];

// Samples whose fields the route knows: sent as they are, the route does not call them unknown.
// None for a route that does not read a JSON body (it accepts one that is not JSON).
async function fittingSamples(
  route: AppRoute,
  method: HttpMethod,
  role: Role,
  params: Record<string, string>,
  headers: Record<string, string>,
): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  const notJson = await probe(route, method, role, { params, body: 'not json', headers });
  if (notJson.status !== 422) return out;
  for (const [name, sample] of Object.entries(samples)) {
    const a = await probe(route, method, role, { params, body: JSON.stringify(sample), headers });
    const fields = (a.body as { error?: { data?: { fields?: Record<string, string[]> } } })?.error?.data?.fields ?? {};
    const unknown = Object.values(fields).some((msgs) => msgs.includes('unknown field'));
    if (!(a.status === 422 && (unknown || '_' in fields))) out.push([name, sample]);
  }
  return out;
}

describe('bad input on every dashboard route', () => {
  it('finds the routes on disk', () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.map((r) => r.pattern)).toEqual(
      expect.arrayContaining(['/api/vms', '/api/vms/[vmId]/actions/[action]', '/api/agent/heartbeat']),
    );
  });

  for (const route of routes) {
    it(`${route.pattern}`, async () => {
      const firstFailure = failures.length;
      const mod = await route.load();
      const roles: Role[] = sessionless(route) ? ['none'] : ['admin', 'operator', 'viewer', 'none'];
      const [real, ...tricky] = paramSets(route);
      for (const method of HTTP_METHODS.filter((m) => typeof mod[m] === 'function')) {
        for (const headers of agentHeaders(route)) {
          if (method === 'GET') {
            for (const role of roles) await probe(route, method, role, { params: real, headers });
            for (const key of queryKeys)
              for (const v of ['1e308', '-1', 'abc', '', '../..', 'a\u0000b', 'x'.repeat(5_000)])
                await probe(route, method, roles[0], { params: real, query: { [key]: v }, headers });
            for (const params of tricky) await probe(route, method, roles[0], { params, headers });
            continue;
          }
          const fits = await fittingSamples(route, method, roles[0], real, headers);
          for (const role of roles) {
            for (const body of HOSTILE_BODIES) await probe(route, method, role, { params: real, body, headers });
            for (const [, sample] of fits)
              await probe(route, method, role, { params: real, body: JSON.stringify(sample), headers });
          }
          for (const [, sample] of fits)
            for (const at of leafPaths(sample))
              for (const v of HOSTILE_VALUES)
                await probe(route, method, roles[0], {
                  params: real,
                  body: JSON.stringify(replaceAt(sample, at, v)),
                  headers,
                });
          for (const params of tricky) {
            await probe(route, method, roles[0], { params, body: '{}', headers });
            for (const [, sample] of fits)
              await probe(route, method, roles[0], { params, body: JSON.stringify(sample), headers });
          }
        }
      }
      expect(failures.slice(firstFailure)).toEqual([]);
    }, 120_000);
  }

  it('sent them all and nothing reached Object.prototype', () => {
    console.info(
      `bad-input suite: ${counted} requests to ${routes.length} routes, ${accepted.size} route methods reached with valid input, ${failures.length} failures`,
    );
    expect(counted).toBeGreaterThan(10_000);
    // The valid inputs really reach the services (else the spoiled ones would only test schemas).
    expect([...accepted]).toEqual(
      expect.arrayContaining([
        'POST /api/vms',
        'POST /api/backup-jobs',
        'PUT /api/balancer/policy',
        'POST /api/agent/heartbeat',
      ]),
    );
    expect(prototypePolluted()).toBe(false);
  });
});
