// Pipes one browser console socket to its agent socket. Output (binary) and the agent's control
// messages go down; keystrokes go up only in interactive mode (a read-only viewer's are counted
// and dropped). Bounded: a browser that does not read its output is dropped, a peer that misses a
// pong is cut, and a console with neither input nor output for CONSOLE_IDLE_MS is closed.
import type { RawData, WebSocket } from 'ws';
import {
  CONSOLE_CLOSE,
  CONSOLE_PING_MS,
  CONSOLE_SEND_BUFFER_MAX,
  closeCodeForStatus,
  closeReason,
  type ConsoleControl,
  type ConsoleMode,
} from '@/lib/agent-protocol/console';

export const CONSOLE_IDLE_MS = 30 * 60_000;

export type RelayStats = { bytesTyped: number; bytesIgnored: number; closeCode: number; reason: string };

export type Relay = {
  setMode(mode: ConsoleMode, reason: string | null): void;
  close(code: number, reason: string): void;
  done: Promise<RelayStats>;
};

export function sendControl(ws: WebSocket, msg: ConsoleControl): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

export function relay(
  browser: WebSocket,
  agent: WebSocket,
  initialMode: ConsoleMode,
  opts: { idleMs?: number; pingMs?: number } = {},
): Relay {
  let mode = initialMode;
  const stats: RelayStats = { bytesTyped: 0, bytesIgnored: 0, closeCode: 0, reason: '' };
  let lastActivity = Date.now();
  let resolveDone!: (s: RelayStats) => void;
  const done = new Promise<RelayStats>((r) => (resolveDone = r));
  const idleMs = opts.idleMs ?? CONSOLE_IDLE_MS;

  const end = (code: number, reason: string) => {
    if (stats.closeCode) return;
    stats.closeCode = code;
    stats.reason = reason;
    clearInterval(timer);
    if (browser.readyState === browser.OPEN || browser.readyState === browser.CONNECTING)
      browser.close(code, closeReason(reason));
    if (agent.readyState === agent.OPEN) agent.close(1000, 'viewer left');
    else agent.terminate();
    // A peer that does not finish the closing handshake is cut.
    setTimeout(() => (browser.terminate(), agent.terminate()), 2_000).unref();
    resolveDone({ ...stats });
  };

  agent.on('message', (data: RawData, binary: boolean) => {
    lastActivity = Date.now();
    if (browser.readyState !== browser.OPEN) return;
    const bytes = data as Buffer;
    if (browser.bufferedAmount + bytes.length > CONSOLE_SEND_BUFFER_MAX)
      return end(CONSOLE_CLOSE.slow, 'console output not read fast enough');
    browser.send(bytes, { binary });
  });
  browser.on('message', (data: RawData) => {
    const bytes = data as Buffer;
    lastActivity = Date.now();
    if (mode !== 'interactive') return void (stats.bytesIgnored += bytes.length);
    stats.bytesTyped += bytes.length;
    if (agent.readyState === agent.OPEN) agent.send(bytes, { binary: true });
  });
  agent.on('close', (code: number, reason: Buffer) => {
    // The agent's console codes pass through; anything else means the agent went away.
    if (code >= 4000 && code < 5000) end(code, reason.toString() || 'closed by the agent');
    else end(closeCodeForStatus(503), 'connection to the host agent lost');
  });
  browser.on('close', (code: number) => end(code, 'closed by the browser'));
  for (const ws of [browser, agent]) ws.on('error', () => {}); // 'close' follows

  // Pings both ways; a socket still owing the previous pong is dead.
  const owing = new Set<WebSocket>();
  for (const ws of [browser, agent]) ws.on('pong', () => owing.delete(ws));
  const timer = setInterval(() => {
    if (owing.size) return end(closeCodeForStatus(504), 'connection stopped answering');
    if (Date.now() - lastActivity > idleMs)
      return end(CONSOLE_CLOSE.idle, 'idle: nothing typed or printed for a while');
    for (const ws of [browser, agent]) {
      owing.add(ws);
      ws.ping();
    }
  }, opts.pingMs ?? CONSOLE_PING_MS);

  agent.resume(); // paused since its handshake (gateway.ts)

  return {
    setMode(next, reason) {
      mode = next;
      sendControl(browser, { type: 'mode', mode, reason });
    },
    close: end,
    done,
  };
}
