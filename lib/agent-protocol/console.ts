// Wire contract of the interactive serial console, shared by the agent, the dashboard's gateway and
// the browser (pure: no Node imports). Two WebSocket hops carry the same frames:
//   browser <-> dashboard  /api/vms/:vmId/console/ws  (session cookie, same origin)
//   dashboard <-> agent    /v1/vms/:id/serial/ws      (bearer: the dashboard's secret)
// Binary frames are bytes: guest output downstream, keystrokes upstream (text frames upstream are
// keystrokes too). Text frames downstream are JSON control messages (ConsoleControl).
import { z } from 'zod';

export const CONSOLE_HISTORY_BYTES = 64 * 1024; // serial.log tail a new viewer gets first
export const CONSOLE_INPUT_FRAME_MAX = 4 * 1024; // one keystroke frame (a paste is split by the browser)
// Keystrokes per viewer: a token bucket (a UART at 115200 baud takes ~11 KiB/s).
export const CONSOLE_INPUT_RATE = { burstBytes: 16 * 1024, bytesPerSec: 8 * 1024 };
export const CONSOLE_SEND_BUFFER_MAX = 1024 * 1024; // output queued for one viewer before it is dropped
export const CONSOLE_PING_MS = 20_000; // a socket that misses a pong for this long is dead
export const CONSOLE_VIEWERS_MAX = 16; // per VM on one agent

// Close codes: 4000 + HTTP status for a coded refusal after the upgrade (4401, 4403, 4404, 4409,
// 4429, 4501, 4503), and these.
export const CONSOLE_CLOSE = {
  stopped: 4000, // the VM stopped or left the host: connect again once it runs
  slow: 4001, // the viewer did not read its output fast enough
  idle: 4002, // nothing typed or printed for the idle limit
  shutdown: 4003, // the agent or dashboard is stopping
} as const;

export const closeCodeForStatus = (status: number) => 4000 + Math.min(Math.max(status, 400), 599);

// A close reason is at most 123 bytes of UTF-8.
export function closeReason(text: string): string {
  let s = text.replace(/\s+/g, ' ').trim();
  while (new TextEncoder().encode(s).length > 120) s = s.slice(0, -1);
  return s;
}

export const consoleModeSchema = z.enum(['interactive', 'read-only']);
export type ConsoleMode = z.infer<typeof consoleModeSchema>;

export const consoleControlSchema = z.discriminatedUnion('type', [
  // First message: the next `historyBytes` binary bytes are the log tail, then live output.
  z.object({ type: z.literal('attached'), historyBytes: z.number().int().nonnegative() }).strict(),
  // The guest was reset (restart): the same connection shows the new boot.
  z.object({ type: z.literal('reset') }).strict(),
  // The VM stopped; the socket closes with CONSOLE_CLOSE.stopped next.
  z.object({ type: z.literal('stopped'), reason: z.string() }).strict(),
  // Something the viewer should know (input dropped by the rate limit, ...).
  z.object({ type: z.literal('notice'), message: z.string() }).strict(),
  // Dashboard only: what this viewer may do (sent on open and when the role changes).
  z.object({ type: z.literal('mode'), mode: consoleModeSchema, reason: z.string().nullable() }).strict(),
  // A coded refusal after the upgrade (the socket closes with closeCodeForStatus(status) next).
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), status: z.number().int() }).strict(),
]);
export type ConsoleControl = z.infer<typeof consoleControlSchema>;

export function parseControl(text: string): ConsoleControl | null {
  try {
    const r = consoleControlSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
