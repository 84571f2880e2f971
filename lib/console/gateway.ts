import 'server-only';
// The dashboard's end of the serial console: `GET /api/vms/:vmId/console/ws` (WebSocket, same
// origin). Signed-out or cross-origin handshakes are refused with a coded HTTP answer; after the
// upgrade, refusals (no such VM, VM off, host offline, agent refusing) arrive as an `error`
// control message and a 4000 + status close, which a browser can read (it never sees a
// handshake's HTTP status). Then the socket is relayed to the agent's console WebSocket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { CONSOLE_CLOSE, CONSOLE_INPUT_FRAME_MAX, closeCodeForStatus, closeReason } from '@/lib/agent-protocol/console';
import {
  auditConsoleClose,
  auditConsoleOpen,
  consoleMode,
  openConsole,
  type ConsoleTarget,
} from '@/lib/domain/console/service';
import { AppError, agentUnreachable, errorMessage, fromErrorBody, rateLimited } from '@/lib/errors';
import { answerAndClose } from '@/lib/http/raw-answer';
import { activeUser, type SignedInUser } from '@/lib/auth/active-user';
import { authenticateUpgrade } from './authenticate';
import { relay, sendControl, type Relay } from './relay';

export const CONSOLE_WS_PATH = /^\/api\/vms\/([^/?]+)\/console\/ws$/;
const AGENT_CONNECT_MS = 10_000;
const USER_RECHECK_MS = 30_000; // a disabled user or a role change reaches open consoles this fast
// Open consoles (as the live-update streams): each holds two sockets and an agent's viewer slot.
export const CONSOLE_LIMITS = { perUser: 8, total: 256 };

export type ConsoleGateway = {
  // True when the request was a console upgrade (answered here), false for any other path.
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
};

export function createConsoleGateway({
  log,
  recheckMs = USER_RECHECK_MS,
}: {
  log: (msg: string) => void;
  recheckMs?: number;
}): ConsoleGateway {
  const wss = new WebSocketServer({ noServer: true, maxPayload: CONSOLE_INPUT_FRAME_MAX, perMessageDeflate: false });
  const open = new Set<Relay>();
  const perUser = new Map<string, number>();
  let total = 0;

  async function session(browser: WebSocket, user: SignedInUser, vmId: string) {
    const mine = perUser.get(user.id) ?? 0;
    if (mine >= CONSOLE_LIMITS.perUser || total >= CONSOLE_LIMITS.total) {
      return refuseOpen(browser, rateLimited(`open consoles (at most ${CONSOLE_LIMITS.perUser} per user)`, 5));
    }
    perUser.set(user.id, mine + 1);
    total++;
    try {
      await run(browser, user, vmId);
    } finally {
      total--;
      const left = perUser.get(user.id)! - 1;
      if (left > 0) perUser.set(user.id, left);
      else perUser.delete(user.id);
    }
  }

  async function run(browser: WebSocket, user: SignedInUser, vmId: string) {
    let target: ConsoleTarget;
    let agent: WebSocket;
    try {
      target = await openConsole(user, vmId);
      agent = await connectAgent(target);
    } catch (err) {
      return refuseOpen(browser, err);
    }
    if (browser.readyState !== browser.OPEN) return agent.terminate();
    const started = Date.now();
    const r = relay(browser, agent, target.mode);
    open.add(r);
    const why = target.mode === 'read-only' ? 'Viewers can watch the console; typing needs the operator role' : null;
    sendControl(browser, { type: 'mode', mode: target.mode, reason: why });
    await auditConsoleOpen(user, target).catch((err: unknown) =>
      log(`console audit (open) failed: ${errorMessage(err)}`),
    );
    log(`console ${target.vm.name}: ${user.username} connected (${target.mode})`);

    // The user row is read again now and then, as every request does.
    const recheck = setInterval(() => {
      activeUser(user.id, user.sessionVersion)
        .then((now) => {
          if (!now) return r.close(closeCodeForStatus(401), 'signed out or account disabled');
          if (consoleMode(now) !== consoleMode(user)) r.setMode(consoleMode(now), 'your role changed');
          user = now;
        })
        .catch((err: unknown) => log(`console ${target.vm.name}: user check failed: ${errorMessage(err)}`)); // next round tries again
    }, recheckMs);
    const stats = await r.done;
    clearInterval(recheck);
    open.delete(r);
    const end = { mode: consoleMode(user), durationMs: Date.now() - started, ...stats };
    await auditConsoleClose(user, target, end).catch((err: unknown) =>
      log(`console audit (close) failed: ${errorMessage(err)}`),
    );
    log(
      `console ${target.vm.name}: ${user.username} left after ${end.durationMs} ms (${stats.bytesTyped} bytes typed, close ${stats.closeCode})`,
    );
  }

  return {
    handleUpgrade(req, socket, head) {
      const path = (req.url ?? '').split('?')[0];
      const m = CONSOLE_WS_PATH.exec(path);
      if (!m) return false;
      socket.on('error', () => {});
      const vmId = safeDecode(m[1]);
      authenticateUpgrade(req)
        .then((user) =>
          wss.handleUpgrade(req, socket, head, (ws) => {
            session(ws, user, vmId).catch((err: unknown) => log(`console session failed: ${errorMessage(err)}`));
          }),
        )
        .catch((err: unknown) => {
          const e = err instanceof AppError ? err : agentUnreachable('dashboard', errorMessage(err));
          answerAndClose(socket, e.status, e.toJSON());
        });
      return true;
    },
    async close() {
      for (const r of open) r.close(CONSOLE_CLOSE.shutdown, 'dashboard stopping');
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

// A refusal after the upgrade: the browser can read this message and code, never an HTTP status.
function refuseOpen(browser: WebSocket, err: unknown) {
  const e = err instanceof AppError ? err : agentUnreachable('?', errorMessage(err));
  sendControl(browser, { type: 'error', code: e.code, message: e.message, status: e.status });
  browser.close(closeCodeForStatus(e.status), closeReason(e.message));
}

// An undecodable id is looked up as it is (and not found).
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// The agent's console socket; its refusal (a coded HTTP answer) becomes that AppError.
function connectAgent(target: ConsoleTarget): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.agentWsUrl, {
      headers: { authorization: `Bearer ${target.secret}` },
      handshakeTimeout: AGENT_CONNECT_MS,
      perMessageDeflate: false,
      maxPayload: 1024 * 1024,
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body = (body + c).slice(0, 64 * 1024)));
      res.on('end', () => {
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {
          /* not a coded answer */
        }
        reject(
          fromErrorBody(res.statusCode ?? 502, json) ??
            agentUnreachable(target.hostName, `console answered HTTP ${res.statusCode}`),
        );
      });
      res.on('error', () => reject(agentUnreachable(target.hostName, 'console handshake failed')));
    });
    ws.on('error', (err) => reject(agentUnreachable(target.hostName, `console: ${err.message}`)));
    ws.on('open', () => {
      ws.pause(); // the history may already be on the wire: nothing is read until the relay listens
      resolve(ws);
    });
  });
}
