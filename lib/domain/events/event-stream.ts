import 'server-only';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { rateLimited } from '@/lib/errors';
import { changeFeed, type ChangeEvent } from './change-feed';

// Server-sent events for open pages (GET /api/events): `change` events with the ids of VMs and
// tasks that changed. Bounded per user and in total (an open stream holds a socket and a
// listener), and closed after STREAM_MAX_MS: the browser reconnects by itself, and the session is
// checked again on each connect, so a disabled user's stream does not run on.
const PER_USER_MAX = 8;
const TOTAL_MAX = 256;
const STREAM_MAX_MS = 10 * 60_000;
const KEEPALIVE_MS = 15_000; // proxies drop idle connections
const RETRY_MS = 1_000;

const open = new Map<string, number>(); // user id -> open streams

export function openEventStream(user: SessionUser, signal: AbortSignal): Response {
  const mine = open.get(user.id) ?? 0;
  if (mine >= PER_USER_MAX || changeFeed.size >= TOTAL_MAX) throw rateLimited('Live updates (too many open pages)', 30);
  open.set(user.id, mine + 1);
  const enc = new TextEncoder();
  let close = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          close(); // the client went away between two events
        }
      };
      const unsubscribe = changeFeed.subscribe((e: ChangeEvent) =>
        send(`event: change\ndata: ${JSON.stringify(e)}\n\n`),
      );
      const keepalive = setInterval(() => send(': keepalive\n\n'), KEEPALIVE_MS);
      const limit = setTimeout(() => close(), STREAM_MAX_MS);
      let closed = false;
      close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(keepalive);
        clearTimeout(limit);
        const left = (open.get(user.id) ?? 1) - 1;
        if (left > 0) open.set(user.id, left);
        else open.delete(user.id);
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      signal.addEventListener('abort', () => close());
      send(`retry: ${RETRY_MS}\nevent: ready\ndata: {}\n\n`);
    },
    cancel() {
      close();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
