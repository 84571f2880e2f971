'use client';
// The interactive serial console: xterm.js over the dashboard's console WebSocket. Loaded only in
// the browser (next/dynamic, ssr: false): xterm needs the DOM. Output is written as bytes (xterm
// decodes UTF-8 across frames); keystrokes go up only when the dashboard said this viewer may type.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal, type ITheme } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import { parseControl } from '@/lib/agent-protocol/console';
import {
  afterClose,
  afterControl,
  CONNECTING,
  consoleSocketUrl,
  inputFrames,
  RETRY_DELAYS_MS,
  type ConsoleView,
} from './console-state';

// Every colour readable on the slate-950 ground (WCAG AA 4.5:1), dim and "bright black" included.
const THEME: ITheme = {
  background: '#020617',
  foreground: '#e2e8f0',
  cursor: '#e2e8f0',
  selectionBackground: '#334155',
  black: '#94a3b8',
  brightBlack: '#a3b1c6',
  red: '#f87171',
  brightRed: '#fca5a5',
  green: '#4ade80',
  brightGreen: '#86efac',
  yellow: '#facc15',
  brightYellow: '#fde047',
  blue: '#60a5fa',
  brightBlue: '#93c5fd',
  magenta: '#e879f9',
  brightMagenta: '#f0abfc',
  cyan: '#22d3ee',
  brightCyan: '#67e8f9',
  white: '#e2e8f0',
  brightWhite: '#f8fafc',
};
const NOTE = (text: string) => `\r\n\x1b[36m[vmops] ${text}\x1b[0m\r\n`;

export default function ConsoleTerminal({
  vmId,
  label,
  onView,
}: {
  vmId: string;
  label: string;
  onView: (view: ConsoleView) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const report = useRef(onView);
  report.current = onView;

  useEffect(() => {
    const el = box.current!;
    const term = new Terminal({
      fontSize: 12,
      lineHeight: 1.25,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace',
      theme: THEME,
      scrollback: 5000,
      disableStdin: true,
      minimumContrastRatio: 4.5, // whatever colours the guest asks for stay readable
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(el);

    let view = CONNECTING;
    const set = (next: ConsoleView) => {
      view = next;
      term.options.disableStdin = !(view.phase === 'live' && view.mode === 'interactive');
      report.current(view);
    };
    let ws: WebSocket | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let tries = 0;
    let disposed = false;

    const connect = () => {
      set({ ...CONNECTING, mode: view.mode });
      const socket = new WebSocket(consoleSocketUrl(window.location, vmId));
      ws = socket;
      socket.binaryType = 'arraybuffer';
      socket.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
        if (typeof ev.data !== 'string') return void term.write(new Uint8Array(ev.data));
        const msg = parseControl(ev.data);
        if (!msg) return;
        if (msg.type === 'attached') {
          term.reset(); // the history that follows redraws the recent screen
          tries = 0;
        }
        if (msg.type === 'reset') term.write(NOTE('the guest was reset'));
        if (msg.type === 'stopped') term.write(NOTE(`the VM stopped (${msg.reason})`));
        set(afterControl(view, msg));
      };
      socket.onclose = (ev) => {
        if (disposed || ws !== socket) return;
        const next = afterClose(view, ev.code, ev.reason);
        const delay = next.retry ? RETRY_DELAYS_MS[tries] : undefined;
        set(delay === undefined ? { ...next, retry: false } : next);
        if (delay !== undefined) {
          tries++;
          retryTimer = setTimeout(connect, delay);
        }
      };
    };
    const typing = term.onData((data) => {
      if (view.mode !== 'interactive' || ws?.readyState !== WebSocket.OPEN) return;
      for (const frame of inputFrames(data)) ws.send(frame);
    });
    connect();
    return () => {
      disposed = true;
      clearTimeout(retryTimer);
      typing.dispose();
      ws?.close(1000);
      resize.disconnect();
      term.dispose();
    };
  }, [vmId]);

  // Height from the card (h-0 + flex-1), never from the rows xterm drew: fitting cannot feed back.
  return (
    <div
      ref={box}
      role="region"
      aria-label={label}
      data-testid="vm-terminal"
      className="h-0 min-h-72 flex-1 overflow-hidden rounded-b-lg bg-slate-950 px-2 py-2"
    />
  );
}
