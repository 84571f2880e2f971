import 'server-only';
// The production dashboard: Next.js's request handler plus WebSocket upgrades, which route
// handlers cannot take. Only the console path upgrades (lib/console/gateway.ts); any other
// upgrade goes to Next (none in production) so the console stays same-origin with the pages.
import http, { type Server } from 'node:http';
import next from 'next';
import { createConsoleGateway } from './gateway';

export type DashboardServerOptions = {
  dir: string;
  host: string;
  port: number;
  keepAliveTimeoutMs: number;
  log: (msg: string) => void;
};

export async function startDashboardServer(
  opts: DashboardServerOptions,
): Promise<{ server: Server; close(): Promise<void> }> {
  const app = next({ dev: false, dir: opts.dir, hostname: opts.host, port: opts.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  // Only now: its handlers load next/server, which needs what prepare() sets up (AsyncLocalStorage).
  const { directRoute } = await import('@/lib/http/direct-routes');
  const upgradeNext = app.getUpgradeHandler();
  const gateway = createConsoleGateway({ log: opts.log });
  const server = http.createServer((req, res) => {
    const direct = directRoute(req);
    if (direct) void direct(res).catch(() => res.destroy());
    else void handle(req, res);
  });
  server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  server.on('upgrade', (req, socket, head) => {
    if (!gateway.handleUpgrade(req, socket, head)) void upgradeNext(req, socket, head).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(opts.port, opts.host, () => resolve()),
  );
  return {
    server,
    async close() {
      await gateway.close();
      await new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections()));
      await app.close();
    },
  };
}
