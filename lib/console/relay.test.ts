// The relay between a browser socket and an agent socket, over real local WebSockets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { CONSOLE_CLOSE } from '@/lib/agent-protocol/console';
import { relay } from './relay';

let server: http.Server;
let wss: WebSocketServer;
let url: string;
beforeAll(async () => {
  server = http.createServer();
  wss = new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  wss.close();
  server.close();
});

// A connected pair: the client end (what a peer holds) and the server end (what the relay holds).
function pair(): Promise<{ client: WebSocket; served: WebSocket }> {
  return new Promise((resolve) => {
    wss.once('connection', (served) => client.once('open', () => resolve({ client, served })));
    const client = new WebSocket(url);
  });
}
const closeOf = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );

describe('console relay', () => {
  it('closes a console with neither input nor output for the idle limit (4002)', async () => {
    const browser = await pair();
    const agent = await pair();
    const closed = closeOf(browser.client);
    const r = relay(browser.served, agent.client, 'interactive', { idleMs: 150, pingMs: 50 });
    expect((await closed).code).toBe(CONSOLE_CLOSE.idle);
    expect((await r.done).closeCode).toBe(CONSOLE_CLOSE.idle);
  });

  it('tells the browser when the agent went away (4503), and passes console codes on', async () => {
    const browser = await pair();
    const agent = await pair();
    const closed = closeOf(browser.client);
    relay(browser.served, agent.client, 'interactive');
    agent.served.terminate();
    expect((await closed).code).toBe(4503);

    const b2 = await pair();
    const a2 = await pair();
    const closed2 = closeOf(b2.client);
    relay(b2.served, a2.client, 'read-only');
    a2.served.close(CONSOLE_CLOSE.stopped, 'VM stopped');
    expect(await closed2).toEqual({ code: CONSOLE_CLOSE.stopped, reason: 'VM stopped' });
  });
});
