// The dashboard process of `npm start` and the browser tests (started by start.ts), replacing
// `next start`: the same built app, plus the serial console's WebSocket (lib/console/server.ts).
// `node --conditions=react-server --import tsx scripts/stack/dashboard-server.ts --port 3000`
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDashboardServer } from '@/lib/console/server';

const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'keep-alive-timeout': { type: 'string', default: '65000' },
  },
});

const log = (msg: string) => console.log(`vmops:dashboard: ${msg}`);
const dir = path.resolve(import.meta.dirname, '../..');
const dashboard = await startDashboardServer({
  dir,
  host: opt.host!,
  port: Number(opt.port),
  keepAliveTimeoutMs: Number(opt['keep-alive-timeout']),
  log,
});
log(`listening on http://${opt.host}:${opt.port}`);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    // Bounded: an open connection that will not close does not hold the process.
    setTimeout(() => process.exit(0), 5_000).unref();
    void dashboard.close().finally(() => process.exit(0));
  });
