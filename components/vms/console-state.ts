// What the console card shows, from the socket's control messages and close codes (pure).
import type { Tone } from '@/components/ui/badge';
import {
  CONSOLE_CLOSE,
  CONSOLE_INPUT_FRAME_MAX,
  closeCodeForStatus,
  type ConsoleControl,
  type ConsoleMode,
} from '@/lib/agent-protocol/console';

export type ConsolePhase = 'connecting' | 'live' | 'off' | 'disconnected' | 'unavailable';
// retry: connect again by itself (the agent or dashboard went away, not a refusal).
export type ConsoleView = { phase: ConsolePhase; mode: ConsoleMode | null; message: string | null; retry: boolean };

export const CONNECTING: ConsoleView = { phase: 'connecting', mode: null, message: null, retry: false };
export const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000];

// VM states in which QEMU may run, so a console may be there.
export const CONSOLE_VM_STATES = ['running', 'paused', 'starting', 'stopping', 'migrating'];

export function afterControl(view: ConsoleView, msg: ConsoleControl): ConsoleView {
  switch (msg.type) {
    case 'attached':
      return { ...view, phase: 'live', message: null, retry: false };
    case 'mode':
      // The first one says what this viewer may do (shown in the header); a later one, why it changed.
      return { ...view, mode: msg.mode, message: view.mode && view.mode !== msg.mode ? msg.reason : view.message };
    case 'stopped':
      return { ...view, phase: 'off', message: `The VM stopped: ${msg.reason}` };
    case 'notice':
      return { ...view, message: msg.message };
    case 'error':
      return { ...view, message: msg.message };
    default:
      return view;
  }
}

export function afterClose(view: ConsoleView, code: number, reason: string): ConsoleView {
  const message = view.message ?? (reason || null);
  if (code === CONSOLE_CLOSE.stopped || code === closeCodeForStatus(409)) {
    return { ...view, phase: 'off', message: message ?? 'The VM is not running', retry: false };
  }
  if (code === closeCodeForStatus(501)) return { ...view, phase: 'unavailable', message, retry: false };
  if (code === closeCodeForStatus(401))
    return { ...view, phase: 'disconnected', message: 'Signed out: sign in again to use the console', retry: false };
  if (code === CONSOLE_CLOSE.idle || code === closeCodeForStatus(403) || code === closeCodeForStatus(404))
    return { ...view, phase: 'disconnected', message, retry: false };
  // Went away (agent or dashboard restarting, network, a slow tab): try again by itself.
  return { ...view, phase: 'disconnected', message: message ?? 'Connection lost', retry: true };
}

export function badgeFor(view: ConsoleView, vmLive: boolean): { label: string; tone: Tone } {
  if (!vmLive || view.phase === 'off') return { label: 'VM off', tone: 'gray' };
  switch (view.phase) {
    case 'connecting':
      return { label: 'Connecting', tone: 'blue' };
    case 'live':
      if (view.mode === 'read-only') return { label: 'Read-only', tone: 'amber' };
      return view.mode ? { label: 'Live', tone: 'green' } : { label: 'Connecting', tone: 'blue' };
    case 'unavailable':
      return { label: 'Log only', tone: 'gray' };
    default:
      return { label: 'Disconnected', tone: 'red' };
  }
}

// Keystrokes (a paste may be long) as frames the gateway accepts.
export function inputFrames(text: string, max = CONSOLE_INPUT_FRAME_MAX): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += max) frames.push(bytes.subarray(i, i + max));
  return frames;
}

export function consoleSocketUrl(loc: { protocol: string; host: string }, vmId: string): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/vms/${encodeURIComponent(vmId)}/console/ws`;
}
