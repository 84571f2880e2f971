// node:http server for the agent API: auth first (401/503 before any routing, so unknown paths
// reveal nothing), then the router; AppErrors answer with their own status and body.
import http, { type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError, badRequest, invalidInput, noSuchObject } from '@/lib/errors';
import { answerAndClose } from '@/lib/http/raw-answer';
import type { AgentAuth } from './auth';
import { errorReply, sendFile, sendJson, type Reply } from './http';
import { contextFor, type Router } from './router';

// Receiving a request (headers, then the whole body) is bounded; answering may take longer (a
// graceful stop). A slower client gets a coded 400 and the connection is closed.
export const RECEIVE_LIMITS = { headersMs: 10_000, requestMs: 30_000 };

// After answering a request whose body was not read (refused early, too large), how long the
// rest of that body may still arrive and be discarded before the socket is destroyed.
export const LINGER_MS = 2_000;

// Idle keep-alive sockets stay open longer than any client keeps them (fetch/undici closes its own
// one second before the `Keep-Alive: timeout=` we announce): the client always closes first, so it
// never sends a request on a socket we are closing (an ECONNRESET read as "agent unreachable";
// Node's 5 s default lost that race whenever the caller's event loop was busy for a few seconds).
export const KEEP_ALIVE_MS = 65_000;

// A WebSocket upgrade (the serial console): called once the bearer is checked; it accepts the
// upgrade or throws the coded error to refuse it with.
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => Promise<void>;

export type AgentServerOptions = {
  router: Router;
  auth: AgentAuth;
  log: (msg: string) => void;
  limits?: typeof RECEIVE_LIMITS;
  upgrade?: UpgradeHandler;
};

export function createAgentServer({ router, auth, log, limits = RECEIVE_LIMITS, upgrade }: AgentServerOptions): Server {
  // Node checks the limits every connectionsCheckingInterval (30 s by default): often enough
  // that a stalled client is cut close to its limit.
  const timeouts = {
    headersTimeout: limits.headersMs,
    requestTimeout: limits.requestMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersMs),
  };
  const server = http.createServer(timeouts, (req, res) => {
    // A request pipelined behind one whose connection is closing: the client was told the
    // connection ends, so it is never run (its answer could not arrive); its bytes are discarded.
    if (closing.has(req.socket)) return void req.resume();
    const started = Date.now();
    const method = req.method ?? 'GET';
    let what = `${method} ${(req.url ?? '/').slice(0, 200)}`;
    const handle = async (): Promise<Reply> => {
      auth.check(req.headers.authorization);
      const url = parseTarget(req.url);
      what = `${method} ${url.pathname}`;
      const match = router.match(method, url.pathname);
      if (!match) throw noSuchObject('route', what);
      if ('allowed' in match)
        throw new AppError('METHOD_NOT_ALLOWED', `${what} is not allowed; use ${match.allowed.join(', ')}`, 405, {
          allowed: match.allowed,
        });
      return match.handler(contextFor(req, match.params, url.searchParams));
    };
    handle()
      .catch((err: unknown) => errorReply(err, log, what))
      .then((reply) => {
        const headers = req.complete ? {} : closeAfterReply(req);
        if (reply.file) sendFile(res, reply.file, headers);
        else sendJson(res, reply.status, reply.body, headers);
        // Reads are polled constantly (console, operations): only changes and failures are logged.
        if (method !== 'GET' || reply.status >= 400) log(`${what} -> ${reply.status} (${Date.now() - started} ms)`);
      })
      .catch((err: unknown) => log(`${what}: could not send the answer: ${(err as Error).message}`));
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // Upgrades pass the same bearer check as every request before anything else happens; a refusal
  // is a coded HTTP answer, then the connection closes.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const what = `${req.method ?? 'GET'} ${(req.url ?? '/').slice(0, 200)} (upgrade)`;
    socket.on('error', () => {});
    const accept = async () => {
      auth.check(req.headers.authorization);
      const url = parseTarget(req.url);
      if (!upgrade) throw noSuchObject('route', `${req.method} ${url.pathname}`);
      await upgrade(req, socket, head, url);
    };
    accept().catch((err: unknown) => {
      const reply = errorReply(err, log, what);
      answerAndClose(socket, reply.status, reply.body, LINGER_MS);
      log(`${what} -> ${reply.status}`);
    });
  });
  // What node:http cannot parse (bad header or length, headers over 16 KiB) or did not receive in
  // time never reaches the router: answer it with the coded body too, then close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const text = JSON.stringify(badRequest(err.code ?? err.message).toJSON());
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  });
  return server;
}

function parseTarget(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://agent');
  } catch {
    throw invalidInput({ url: ['not a valid request target'] });
  }
}

// Answered before the body was read (refused early, too large): the rest of the body is still on
// the wire, so this keep-alive connection cannot carry another request. `Connection: close` tells
// the client, and node:http then calls socket.destroySoon(), which would destroy the socket at
// once: the kernel then resets a connection the client still sends on, and a reset can discard
// the answer before the client reads it. Replaced for this socket: only our side is closed, what
// still arrives is discarded, and the socket is destroyed after LINGER_MS at the latest.
const closing = new WeakSet<Socket>();

function closeAfterReply(req: IncomingMessage): Record<string, string> {
  const socket = req.socket;
  closing.add(socket);
  socket.destroySoon = () => {
    socket.end();
    req.resume();
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  return { connection: 'close' };
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
