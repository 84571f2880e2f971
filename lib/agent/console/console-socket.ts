// `GET /v1/vms/:id/serial/ws`: the serial console as a WebSocket. The server has checked the
// bearer before this runs (server.ts); refusals before the upgrade are coded HTTP answers (404
// unknown VM or path, 409 VM off, 429 too many viewers, 501 without QEMU). After it, each socket
// is one viewer of the VM's SerialHub; keystroke frames are at most CONSOLE_INPUT_FRAME_MAX bytes
// (a larger one closes the socket, 1009) and rate-limited; a peer that stops answering pings goes.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { badRequest, invalidInput, noSuchObject, rateLimited } from '@/lib/errors';
import { parseInput } from '@/lib/http/validation';
import type { Driver } from '../driver/types';
import { vmIdSchema } from '@/lib/agent-protocol/core';
import { requireQemu } from '../qemu/context';
import { ON } from '../qemu/vm-registry';
import type { VmSession } from '../qemu/vm-session';
import { inputBucket } from './input-bucket';
import {
  CONSOLE_CLOSE,
  CONSOLE_INPUT_FRAME_MAX,
  CONSOLE_PING_MS,
  CONSOLE_VIEWERS_MAX,
} from '@/lib/agent-protocol/console';
import { SerialHub, type Viewer } from './serial-hub';

const PATH = /^\/v1\/vms\/([^/]+)\/serial\/ws$/;

export type ConsoleSockets = {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void>;
  close(): Promise<void>;
};

export function createConsoleSockets({ driver, log }: { driver: Driver; log: (msg: string) => void }): ConsoleSockets {
  const wss = new WebSocketServer({ noServer: true, maxPayload: CONSOLE_INPUT_FRAME_MAX, perMessageDeflate: false });
  const hubs = new Map<VmSession, SerialHub>();
  const sockets = new Set<WebSocket>();

  function hubFor(session: VmSession): SerialHub {
    let hub = hubs.get(session);
    if (!hub) {
      const qemu = requireQemu(driver, 'the interactive serial console');
      const spec = qemu.vms.specs.get(session.id);
      const logFile = spec ? qemu.vms.paths(spec).serialLog : '';
      hub = new SerialHub(session, logFile, () => hubs.delete(session));
      hubs.set(session, hub);
    }
    return hub;
  }

  function attach(ws: WebSocket, hub: SerialHub, id: string) {
    sockets.add(ws);
    const bucket = inputBucket();
    const viewer: Viewer = {
      send: (bytes) => ws.send(bytes, { binary: true }),
      control: (msg) => ws.send(JSON.stringify(msg)),
      close: (code, reason) => ws.close(code, reason),
      get buffered() {
        return ws.bufferedAmount;
      },
    };
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return void ws.terminate();
      alive = false;
      ws.ping();
    }, CONSOLE_PING_MS);
    ws.on('pong', () => (alive = true));
    ws.on('message', (data: RawData) => {
      const bytes = toBuffer(data);
      if (!bucket.take(bytes.length))
        return viewer.control({ type: 'notice', message: `Typing too fast: ${bytes.length} bytes dropped` });
      if (!hub.input(bytes))
        viewer.control({ type: 'notice', message: 'The guest is not reading its console: input dropped' });
    });
    ws.on('error', () => {}); // 'close' follows
    ws.on('close', () => {
      clearInterval(ping);
      sockets.delete(ws);
      hub.leave(viewer);
      log(`VM ${id}: console viewer left (${hub.size} left)`);
    });
    void hub.join(viewer).then(() => log(`VM ${id}: console viewer joined (${hub.size} now)`));
  }

  return {
    async upgrade(req, socket, head, url) {
      const m = PATH.exec(url.pathname);
      if (!m) throw noSuchObject('route', `${req.method} ${url.pathname}`);
      if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
        throw badRequest('expected a WebSocket upgrade (GET, Upgrade: websocket)');
      }
      const id = parseInput(z.object({ id: vmIdSchema }).strict(), { id: decodeSegment(m[1]) }).id;
      const qemu = requireQemu(driver, 'the interactive serial console');
      const session = await qemu.vms.expectSession(id, ON);
      const hub = hubFor(session);
      if (hub.size >= CONSOLE_VIEWERS_MAX)
        throw rateLimited(`console viewers of VM ${id} (at most ${CONSOLE_VIEWERS_MAX})`, 5);
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws, hub, id));
    },
    async close() {
      for (const hub of hubs.values()) hub.closeAll(CONSOLE_CLOSE.shutdown, 'agent stopping');
      hubs.clear();
      // Sockets still mid-handshake or not closing politely are cut after a moment.
      await new Promise((r) => setTimeout(r, sockets.size ? 200 : 0));
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalidInput({ id: ['not a valid path segment'] });
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
