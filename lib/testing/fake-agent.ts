// A stand-in agent for service and handler tests: a real HTTP server answering the routes a test
// scripts ("METHOD /path/:param" -> handler(body, params)), so the typed agent client, its
// validation and its error mapping run as in production. A handler's return value is the JSON
// answer (undefined: 204); a thrown AppError is answered with its status and body; any other
// route is 404 NO_SUCH_OBJECT. Every call is recorded with its route, body and params.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Operation } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { AppError, noSuchObject } from '@/lib/errors';
import { seedHost } from './fixtures';

export type FakeHandler = (body: unknown, params: Record<string, string>) => unknown;
export type FakeCall = { route: string; body: unknown; params: Record<string, string> };
export type FakeAgent = Awaited<ReturnType<typeof startFakeAgent>>;

function match(pattern: string, method: string, path: string): Record<string, string> | null {
  const [m, p] = pattern.split(' ');
  const want = p.split('/');
  const got = path.split('/');
  if (m !== method || want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, seg] of want.entries()) {
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(got[i]);
    else if (seg !== got[i]) return null;
  }
  return params;
}

export async function startFakeAgent(routes: Record<string, FakeHandler>) {
  const calls: FakeCall[] = [];
  const server = http.createServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0];
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body: unknown = raw ? JSON.parse(raw) : undefined;
    const hit = Object.entries(routes)
      .map(([route, handler]) => ({ route, handler, params: match(route, method, path) }))
      .find((r) => r.params);
    calls.push({ route: hit?.route ?? `${method} ${path}`, body, params: hit?.params ?? {} });
    let status = 200;
    let answer: unknown;
    try {
      if (!hit) throw noSuchObject('route', `${method} ${path}`);
      answer = await hit.handler(body, hit.params!);
      if (answer === undefined) status = 204;
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INTERNAL', String(err), 500);
      status = e.status;
      answer = e.toJSON();
    }
    const text = status === 204 ? '' : JSON.stringify(answer);
    // Sized like the real agent's answers (a streamed relay reads content-length).
    res.writeHead(
      status,
      status === 204 ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    );
    res.end(status === 204 ? undefined : text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    callsTo: (route: string) => calls.filter((c) => c.route === route),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// An agent operation as GET /v1/operations/:id answers it: succeeded unless told otherwise.
export function fakeOperation(id: string, over: Partial<Operation> = {}): Operation {
  return {
    id,
    kind: 'fake',
    state: 'succeeded',
    progress: 1,
    message: '',
    error: null,
    detail: null,
    result: null,
    ...over,
  };
}

// An online host whose agent is the fake one.
export async function seedFakeAgentHost(name: string, agent: Pick<FakeAgent, 'url'>) {
  const host = await seedHost(name);
  return db().host.update({ where: { id: host.id }, data: { agentUrl: agent.url } });
}
