// The dashboard's agent-facing endpoints served by the real services over a test database,
// without Next: lets integration tests run real agents + the real worker against real QEMU.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { enrollRequestSchema, heartbeatSchema } from '@/lib/agent-protocol/core';
import { agentFromBearer } from '@/lib/domain/hosts/credentials';
import { enrollHost } from '@/lib/domain/hosts/enrollment';
import { ingestHeartbeat } from '@/lib/domain/hosts/heartbeat';
import { AppError } from '@/lib/errors';
import { parseInput } from '@/lib/http/validation';

// `blockedHeartbeats`: host ids whose heartbeats are dropped (connection reset, as by a network
// partition between that agent and the dashboard).
export async function startMiniDashboard(): Promise<{
  url: string;
  blockedHeartbeats: Set<string>;
  close(): Promise<void>;
}> {
  const blockedHeartbeats = new Set<string>();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
      if (req.url === '/api/agent/enroll') {
        // Enrolled before the head is written: a failed enrollment still gets its error answer.
        const enrolled = await enrollHost(parseInput(enrollRequestSchema, body));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(enrolled));
      } else if (req.url === '/api/agent/heartbeat') {
        const { hostId, tokenHash } = await agentFromBearer(req.headers.authorization ?? null);
        if (blockedHeartbeats.has(hostId)) return void req.socket.destroy();
        await ingestHeartbeat({ hostId, tokenHash, hb: parseInput(heartbeatSchema, body) });
        res.writeHead(204).end();
      } else res.writeHead(404).end();
    } catch (err) {
      const status = err instanceof AppError ? err.status : 500;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(
          JSON.stringify(
            err instanceof AppError ? err.toJSON() : { error: { code: 'INTERNAL', message: String(err) } },
          ),
        );
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    blockedHeartbeats,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
