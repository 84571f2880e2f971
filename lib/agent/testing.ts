// Test helpers shared by the agent's unit and integration tests: temp dirs, a fake dashboard
// (enroll + heartbeat endpoints that record what arrives) and polling.
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startAgent } from './agent';
import { parseAgentConfig, type PoolConfig } from './config';
import { createSimulatedDriver } from './driver/simulated';
import type { Driver } from './driver/types';
import { createMemoryLogger, type Logger } from './log';
import { enrollRequestSchema, heartbeatSchema, type Heartbeat } from './protocol';

export async function tempDir(prefix = 'vmops-agent-'): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export { waitFor } from '@/lib/wait-for';

export type ReceivedHeartbeat = { hostName: string; receivedAt: number; body: Heartbeat };

export type FakeDashboard = {
  url: string;
  token: string;
  enrolled: { name: string; agentUrl: string; hostId: string; agentToken: string; dashboardSecret: string }[];
  heartbeats: ReceivedHeartbeat[];
  close(): Promise<void>;
};

// Accepts one fixed token for any number of hosts; each host gets its own two credentials.
// Heartbeats must carry a known agent token (not the dashboard's secret) and match
// heartbeatSchema, as the real dashboard requires.
export async function startFakeDashboard(token = 'test-enroll-token-0123456789', port = 0): Promise<FakeDashboard> {
  const enrolled: FakeDashboard['enrolled'] = [];
  const heartbeats: ReceivedHeartbeat[] = [];
  const server: Server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: unknown = null;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
    } catch {
      /* answered below as invalid */
    }
    const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    if (req.method === 'POST' && req.url === '/api/agent/enroll') {
      const parsed = enrollRequestSchema.safeParse(body);
      if (!parsed.success) return send(422, { error: { code: 'INVALID_INPUT', message: parsed.error.message } });
      if (parsed.data.token !== token) return send(401, { error: { code: 'UNAUTHENTICATED', message: 'Unknown or used enrollment token' } });
      const nonce = Math.random().toString(36).slice(2);
      const host = { name: parsed.data.name, agentUrl: parsed.data.agentUrl, hostId: `host-${parsed.data.name}`, agentToken: `token-${parsed.data.name}-${nonce}`, dashboardSecret: `secret-${parsed.data.name}-${nonce}` };
      enrolled.push(host);
      return send(200, { hostId: host.hostId, agentToken: host.agentToken, dashboardSecret: host.dashboardSecret });
    }
    if (req.method === 'POST' && req.url === '/api/agent/heartbeat') {
      const host = enrolled.find((h) => req.headers.authorization === `Bearer ${h.agentToken}`);
      if (!host) return send(401, { error: { code: 'UNAUTHENTICATED', message: 'bad agent token' } });
      const parsed = heartbeatSchema.safeParse(body);
      if (!parsed.success) return send(422, { error: { code: 'INVALID_INPUT', message: parsed.error.message } });
      heartbeats.push({ hostName: host.name, receivedAt: Date.now(), body: parsed.data });
      return send(200, { ok: true });
    }
    send(404, { error: { code: 'NO_SUCH_OBJECT', message: `No route ${req.method} ${req.url}` } });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    enrolled,
    heartbeats,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

// An in-process agent on an ephemeral port with the simulated driver (unless one is given),
// enrolled against `dashboard`. Callers await `agent.enrolled` when they need the secret (the
// dashboard's, to call the agent).
// driverFor: a driver built for the agent's own pools (e.g. QEMU: pools exist only once the
// temp dirs do).
export async function startTestAgent(opts: {
  dashboard: FakeDashboard | string;
  name?: string;
  driver?: Driver;
  driverFor?: (pools: PoolConfig[], log: Logger) => Promise<Driver>;
  extraArgs?: string[];
}) {
  const data = await tempDir('vmops-data-');
  const shared = await tempDir('vmops-shared-');
  const dashboard = typeof opts.dashboard === 'string' ? opts.dashboard : opts.dashboard.url;
  const token = typeof opts.dashboard === 'string' ? 'unused-token-0123456789' : opts.dashboard.token;
  const name = opts.name ?? 'h1';
  const config = parseAgentConfig(
    ['--name', name, '--port', '0', '--data', data.path, '--shared', shared.path, '--dashboard', dashboard, '--enroll-token', token, ...(opts.extraArgs ?? [])],
    {},
  );
  const log = createMemoryLogger(`vmops:agent:${name}`);
  const driver = opts.driver ?? (opts.driverFor ? await opts.driverFor(config.pools, log) : createSimulatedDriver({ pools: config.pools, bootDelayMs: 50 }));
  const agent = await startAgent(config, { driver, log });
  agent.enrolled.catch(() => {}); // observed by the tests that care
  return {
    agent,
    config,
    log,
    baseUrl: `http://127.0.0.1:${agent.port}`,
    async secret() {
      await agent.enrolled;
      return typeof opts.dashboard === 'string' ? '' : opts.dashboard.enrolled.find((h) => h.name === name)!.dashboardSecret;
    },
    async stop() {
      await agent.close();
      await data.remove();
      await shared.remove();
    },
  };
}
