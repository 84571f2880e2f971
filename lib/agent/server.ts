// node:http server for the agent API: auth first (401/503 before any routing, so unknown paths
// reveal nothing), then the router; AppErrors answer with their own status and body.
import http, { type Server } from 'node:http';
import { AppError, noSuchObject } from '@/lib/errors';
import type { AgentAuth } from './auth';
import { errorReply, sendJson, type Reply } from './http';
import { contextFor, type Router } from './router';

export type AgentServerOptions = { router: Router; auth: AgentAuth; log: (msg: string) => void };

export function createAgentServer({ router, auth, log }: AgentServerOptions): Server {
  return http.createServer((req, res) => {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://agent');
    const what = `${method} ${url.pathname}`;
    const handle = async (): Promise<Reply> => {
      auth.check(req.headers.authorization);
      const match = router.match(method, url.pathname);
      if (!match) throw noSuchObject('route', what);
      if ('allowed' in match) throw new AppError('METHOD_NOT_ALLOWED', `${what} is not allowed; use ${match.allowed.join(', ')}`, 405, { allowed: match.allowed });
      return match.handler(contextFor(req, match.params, url.searchParams));
    };
    handle()
      .catch((err: unknown) => errorReply(err, log, what))
      .then((reply) => {
        sendJson(res, reply.status, reply.body);
        // Reads are polled constantly (console, operations): only changes and failures are logged.
        if (method !== 'GET' || reply.status >= 400) log(`${what} -> ${reply.status} (${Date.now() - started} ms)`);
      })
      .catch((err: unknown) => log(`${what}: could not send the answer: ${(err as Error).message}`));
  });
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // keep-alive sockets would otherwise hold shutdown open
  });
}
