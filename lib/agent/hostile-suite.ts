// The agent's bad-input suite (run by hostile-input.test.ts with the simulated driver and by
// hostile-input.integ.ts with QEMU): every route the running agent's Router has registered (no list
// here), over real HTTP with the dashboard's bearer secret: hostile route params (raw, so ".."
// and "%2e%2e" reach the agent as sent), queries, whole bodies, and each field of a valid body
// spoiled in turn; plus no or a wrong secret, and bodies over the limit. Asserts: never a 5xx
// (the simulated driver's coded 501 NOT_SUPPORTED aside), 4xx answers carry the coded error body,
// a rejected request leaves the agent's data and shared dirs as they were, nothing reaches
// Object.prototype, and the agent keeps answering while hostile requests and stalled uploads run.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOSTILE_BODIES,
  HOSTILE_VALUES,
  PROTOTYPE_KEYS,
  leafPaths,
  prototypePolluted,
  replaceAt,
} from '@/lib/testing/hostile-inputs';
import { rawExchange, requestHead } from '@/lib/testing/raw-http';
import { watchdogPaths } from './ha/watchdog-wire';
import { MAX_BODY_BYTES } from './http';
import type { PoolConfig } from './config';
import type { Driver } from './driver/types';
import type { Logger } from './log';
import { startTestAgent } from '@/lib/testing/agents';
import { type FakeDashboard, startFakeDashboard } from '@/lib/testing/fake-dashboard';
import {
  BENIGN_ID,
  fill,
  httpCall,
  listTree,
  PARAM_TRICKS,
  pathTricks,
  QUERY_TRICKS,
  RAW_TARGETS,
  routeKey as key,
  SECRETS,
} from '@/lib/testing/agent-hostile';
import { validAgentBodies } from '@/lib/testing/agent-valid-bodies';

export function hostileAgentSuite(driverFor?: (pools: PoolConfig[], log: Logger) => Promise<Driver>): void {
  let dash: FakeDashboard;
  let h: Awaited<ReturnType<typeof startTestAgent>>;
  let secret: string;
  let valid: Record<string, unknown>;

  beforeAll(async () => {
    dash = await startFakeDashboard();
    h = await startTestAgent({ dashboard: dash, driverFor });
    secret = await h.secret();
    valid = validAgentBodies({ data: h.config.data, shared: h.config.shared });
  });
  afterAll(async () => {
    await h.stop();
    await dash.close();
  });

  const call = (method: string, target: string, body?: string, authorization: string | null = `Bearer ${secret}`) =>
    httpCall(h.agent.port, method, target, body, authorization);
  // <shared>/ha/leases holds this agent's lease, renewed every 2 s whatever the requests do;
  // <data>/ha is the fence watchdog's (a QEMU agent with a shared pool spawns it in the background
  // at start, and it logs on its own schedule): neither changes because of a request.
  const snapshot = () =>
    listTree([h.config.data, h.config.shared], [`${h.config.shared}/ha/leases`, watchdogPaths(h.config.data).dir]);
  const failures: string[] = [];
  const started: { id: string; show: string }[] = []; // operations hostile requests started
  const statuses = new Map<number, number>();
  let sent = 0;

  // Sends one request and checks the answer; rejected requests must leave the dirs unchanged.
  async function probe(what: string, method: string, target: string, body?: string, authorization?: string | null) {
    const before = await snapshot();
    const a = await call(method, target, body, authorization);
    sent++;
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    if (a.status === 202)
      started.push({
        id: (JSON.parse(a.body) as { id: string }).id,
        show: `${what}: ${target} ${body?.slice(0, 160)}`,
      });
    let error: { code?: unknown; message?: unknown } | undefined;
    try {
      error = a.status >= 400 ? (JSON.parse(a.body) as { error?: typeof error }).error : undefined;
    } catch {
      /* reported below */
    }
    const show = `${what}: ${method} ${target.slice(0, 120)} -> ${a.status} ${a.body.slice(0, 200)}`;
    if (a.status >= 500 && !(a.status === 501 && error?.code === 'NOT_SUPPORTED')) failures.push(`5xx ${show}`);
    if (a.status >= 400 && (typeof error?.code !== 'string' || typeof error?.message !== 'string'))
      failures.push(`uncoded ${show}`);
    if (a.status >= 400 && (await snapshot()) !== before) failures.push(`changed files ${show}`);
    return { ...a, code: error?.code };
  }

  const routes = () => h.agent.router.list();

  describe('every agent route, hostile input', { timeout: 240_000 }, () => {
    it('finds the routes on the router, and has a valid body for every route that reads one', async () => {
      expect(routes().length).toBeGreaterThan(25);
      for (const r of routes()) {
        if (r.method === 'GET') continue;
        const a = await probe('reads a body?', r.method, fill(r.pattern, BENIGN_ID), 'not json');
        const readsJson = a.status === 422 && a.body.includes('not valid JSON');
        if (readsJson)
          expect(
            valid,
            `${key(r)} reads a JSON body: add a valid one to lib/testing/agent-valid-bodies.ts`,
          ).toHaveProperty([key(r)]);
      }
      for (const k of Object.keys(valid)) expect(routes().map(key), `stale entry ${k}`).toContain(k);
    });

    it('valid bodies pass validation (so each spoiled field below is what gets refused)', async () => {
      for (const [k, body] of Object.entries(valid)) {
        const [method, pattern] = k.split(' ');
        const a = await probe('valid body', method, fill(pattern, BENIGN_ID), JSON.stringify(body));
        expect(a.code, `${k} -> ${a.status} ${a.body.slice(0, 300)}`).not.toBe('INVALID_INPUT');
      }
    });

    it('refuses hostile route params and queries on every route', async () => {
      for (const target of RAW_TARGETS) await probe('target', 'GET', target);
      for (const r of routes()) {
        const hasParams = r.pattern.includes(':');
        for (const trick of hasParams ? PARAM_TRICKS : [])
          await probe('param', r.method, fill(r.pattern, trick), r.method === 'GET' ? undefined : '{}');
        for (const q of r.method === 'GET' ? QUERY_TRICKS : [])
          await probe('query', r.method, `${fill(r.pattern, BENIGN_ID)}${q}`);
      }
      expect(failures).toEqual([]);
    });

    it('refuses hostile whole bodies and every spoiled field of a valid body', async () => {
      for (const r of routes()) {
        if (r.method === 'GET') continue;
        const target = fill(r.pattern, BENIGN_ID);
        for (const body of HOSTILE_BODIES) await probe('body', r.method, target, body);
        const base = valid[key(r)];
        if (base === undefined) continue;
        for (const at of leafPaths(base)) {
          for (const v of HOSTILE_VALUES)
            await probe(`field ${at.join('.')}`, r.method, target, JSON.stringify(replaceAt(base, at, v)));
          // A path field: tricks on the valid path itself. Those that leave it (dot segments up to
          // /etc, NUL, relative) must be refused; those that name the same file again ("//", "/./")
          // may be normalised, and only must not fail.
          const p = at.reduce<unknown>((o, step) => (o as Record<string | number, unknown>)[step], base);
          if (typeof p !== 'string' || !p.startsWith('/')) continue;
          for (const [trick, mustRefuse] of pathTricks(p)) {
            const a = await probe(`path ${at.join('.')}`, r.method, target, JSON.stringify(replaceAt(base, at, trick)));
            if (mustRefuse && !((a.status >= 400 && a.status < 500) || a.code === 'NOT_SUPPORTED'))
              failures.push(
                `path trick not refused: ${key(r)} ${at.join('.')}=${JSON.stringify(trick)} -> ${a.status} ${a.body.slice(0, 160)}`,
              );
          }
        }
        // Built-in property names as extra keys, at the top and inside each nested object.
        // Every object is .strict(): an extra key is refused, wherever it sits.
        const holders = new Map([[], ...leafPaths(base).map((p) => p.slice(0, -1))].map((p) => [p.join('.'), p]));
        for (const at of holders.values()) {
          for (const k of PROTOTYPE_KEYS) {
            const spoiled = structuredClone(base) as Record<string, unknown>;
            const holder = at.reduce<Record<string, unknown>>((o, step) => o[step] as Record<string, unknown>, spoiled);
            if (!holder || typeof holder !== 'object' || Array.isArray(holder)) continue; // JSON drops non-index keys of arrays
            Object.defineProperty(holder, k, { value: { polluted: true }, enumerable: true });
            const a = await probe(`key ${[...at, k].join('.')}`, r.method, target, JSON.stringify(spoiled));
            if (a.status !== 422)
              failures.push(`extra key ${[...at, k].join('.')} not refused: ${key(r)} -> ${a.status}`);
          }
        }
      }
      // An accepted request's operation may fail, but as a coded error, never an unexpected one.
      for (const op of started) {
        let state: { state: string; result?: { status?: number; error?: { code?: string } } } = { state: 'running' };
        for (let i = 0; i < 100 && state.state === 'running'; i++) {
          await new Promise((r) => setTimeout(r, 50));
          state = JSON.parse((await call('GET', `/v1/operations/${op.id}`)).body) as typeof state;
        }
        if (
          state.state === 'failed' &&
          (state.result?.status ?? 500) >= 500 &&
          state.result?.error?.code !== 'NOT_SUPPORTED'
        )
          failures.push(`operation failed unexpectedly: ${op.show} -> ${JSON.stringify(state.result).slice(0, 200)}`);
      }
      expect(failures).toEqual([]);
      expect(prototypePolluted()).toBe(false);
    });

    it('answers 401 on every route without the right secret, whatever the body', async () => {
      for (const r of routes())
        for (const auth of SECRETS) {
          const a = await probe(
            'secret',
            r.method,
            fill(r.pattern, BENIGN_ID),
            r.method === 'GET' ? undefined : HOSTILE_BODIES[12],
            auth,
          );
          expect(a.status, `${key(r)} with ${String(auth).slice(0, 20)}`).toBe(401);
        }
      expect(failures).toEqual([]);
    });

    it('answers 413 and closes the connection for a body over the limit, on every route that takes one', async () => {
      const big = Buffer.alloc(MAX_BODY_BYTES + 1, ' ');
      for (const r of routes().filter((x) => x.method !== 'GET')) {
        const head = requestHead(r.method, fill(r.pattern, BENIGN_ID), {
          authorization: `Bearer ${secret}`,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        });
        const chunked = `${big.length.toString(16)}\r\n${big.toString()}\r\n0\r\n\r\n`;
        const x = await rawExchange(
          h.agent.port,
          [head, chunked, requestHead('GET', '/v1/info', { authorization: `Bearer ${secret}` })],
          { expect: 2 },
        );
        const statuses = x.responses.map((res) => res.status);
        // Routes that read no body answer on their own terms (404 here); the connection still never hangs.
        expect(x.ended, `${key(r)}: ${statuses} ${x.error ?? ''}`).not.toBe('hung');
        expect(x.ended, `${key(r)}: ${statuses} ${x.error ?? ''}`).not.toBe('reset');
        if (valid[key(r)] !== undefined) expect(statuses[0], key(r)).toBe(413);
        else expect(statuses[0] < 500 || statuses[0] === 501, `${key(r)}: ${statuses}`).toBe(true); // reads no body: answers on its own terms
      }
    });
  });

  describe('responsiveness under hostile load', { timeout: 60_000 }, () => {
    it('keeps answering GET /v1/info quickly while hostile requests and stalled uploads run', async () => {
      // Stalled uploads: a declared body that never arrives holds a socket, never the event loop.
      const stalled = await Promise.all(
        Array.from({ length: 20 }, () => {
          const s = net.connect(h.agent.port, '127.0.0.1');
          s.on('error', () => {});
          return new Promise<net.Socket>((r) =>
            s.on(
              'connect',
              () => (
                s.write(
                  requestHead('POST', '/v1/vms', { authorization: `Bearer ${secret}`, 'content-length': 1000 }) +
                    '{"id":',
                ),
                r(s)
              ),
            ),
          );
        }),
      );
      let stop = false;
      const hostile = (async () => {
        const list = routes().filter((r) => r.method !== 'GET');
        for (let i = 0; !stop; i++) {
          const r = list[i % list.length];
          await Promise.all(HOSTILE_BODIES.slice(0, 8).map((b) => call(r.method, fill(r.pattern, BENIGN_ID), b)));
        }
      })();
      const latencies: number[] = [];
      for (let i = 0; i < 40; i++) {
        const a = await call('GET', '/v1/info');
        expect(a.status).toBe(200);
        latencies.push(a.ms);
        await new Promise((r) => setTimeout(r, 25));
      }
      stop = true;
      await hostile;
      for (const s of stalled) s.destroy();
      latencies.sort((a, b) => a - b);
      console.log(`GET /v1/info under hostile load: median ${latencies[20]} ms, max ${latencies[39]} ms`);
      expect(latencies[39]).toBeLessThan(2000);
    });
  });

  afterAll(() =>
    console.log(
      `hostile agent requests sent: ${sent}; answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    ),
  );
}
