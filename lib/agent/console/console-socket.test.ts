// The console upgrade's refusals on an agent with the simulated driver (no QEMU): every one a
// coded HTTP answer, the bearer checked first. The real console: console-socket.integ.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeDashboard, type FakeDashboard } from '@/lib/testing/fake-dashboard';
import { startTestAgent } from '@/lib/testing/agents';

let dash: FakeDashboard;
let agent: Awaited<ReturnType<typeof startTestAgent>>;
let secret: string;

beforeAll(async () => {
  dash = await startFakeDashboard();
  agent = await startTestAgent({ dashboard: dash });
  secret = await agent.secret();
});
afterAll(async () => {
  await agent?.stop();
  await dash?.close();
});

function refusal(path: string, headers: Record<string, string>): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${agent.baseUrl.replace(/^http/, 'ws')}${path}`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res
        .on('data', (c: Buffer) => (body += c))
        .on('end', () => resolve({ status: res.statusCode!, code: JSON.parse(body).error.code }));
    });
    ws.on('open', () => (ws.terminate(), reject(new Error('upgraded'))));
    ws.on('error', () => {});
  });
}

describe('console upgrade refusals', () => {
  it('checks the bearer before anything else, then the path, the id and the driver', async () => {
    const auth = { authorization: `Bearer ${secret}` };
    expect(await refusal('/v1/vms/vm-1/serial/ws', {})).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refusal('/v1/nothing/here', {})).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refusal('/v1/vms/vm-1/serial/ws', { authorization: 'Bearer wrong' })).toEqual({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
    expect(await refusal('/v1/nothing/here', auth)).toEqual({ status: 404, code: 'NO_SUCH_OBJECT' });
    expect(await refusal('/v1/vms/%E0%A4%A/serial/ws', auth)).toEqual({ status: 422, code: 'INVALID_INPUT' });
    expect(await refusal('/v1/vms/vm-1/serial/ws', auth)).toEqual({ status: 501, code: 'NOT_SUPPORTED' });
    // The HTTP API still answers on the same server.
    expect((await fetch(`${agent.baseUrl}/v1/info`, { headers: auth })).status).toBe(200);
  });
});
