// A stand-in dashboard for agent tests: the enroll and heartbeat endpoints, recording what
// arrives (the real ones, over a test database: mini-dashboard.ts).
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { enrollRequestSchema, heartbeatSchema, type Heartbeat } from '@/lib/agent-protocol/core';

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
    const send = (status: number, json: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    if (req.method === 'POST' && req.url === '/api/agent/enroll') {
      const parsed = enrollRequestSchema.safeParse(body);
      if (!parsed.success) return send(422, { error: { code: 'INVALID_INPUT', message: parsed.error.message } });
      if (parsed.data.token !== token)
        return send(401, { error: { code: 'UNAUTHENTICATED', message: 'Unknown or used enrollment token' } });
      const nonce = Math.random().toString(36).slice(2);
      const host = {
        name: parsed.data.name,
        agentUrl: parsed.data.agentUrl,
        hostId: `host-${parsed.data.name}`,
        agentToken: `token-${parsed.data.name}-${nonce}`,
        dashboardSecret: `secret-${parsed.data.name}-${nonce}`,
      };
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
