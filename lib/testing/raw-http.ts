// HTTP/1.1 over a bare socket, for what fetch hides: several requests on one keep-alive
// connection, bodies larger than declared, malformed request lines. Reports how the connection
// ended: answers parsed, a clean close, a reset, or nothing at all within the wait (a hang).
import net from 'node:net';

export type RawResponse = { status: number; headers: Record<string, string>; body: string };
export type RawExchange = {
  responses: RawResponse[];
  ended: 'closed' | 'reset' | 'hung' | 'answered';
  error: string | null;
};

// Resolves once `expect` responses arrived ('answered'), the server closed ('closed') or reset
// ('reset') the connection, or waitMs passed without either ('hung').
export function rawExchange(
  port: number,
  writes: (string | Buffer)[],
  opts: { expect: number; waitMs?: number },
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf: Buffer = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    let settled = false;
    const finish = (ended: RawExchange['ended'], error: string | null = null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, ended, error });
    };
    const timer = setTimeout(() => finish('hung'), opts.waitMs ?? 3000);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (let r = takeResponse(buf); r; r = takeResponse(buf)) {
        responses.push(r.response);
        buf = r.rest;
      }
      if (responses.length >= opts.expect) finish('answered');
    });
    socket.on('end', () => finish('closed'));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'reset' : 'closed', err.message),
    );
    socket.on('connect', () => {
      for (const w of writes) socket.write(w);
    });
  });
}

function takeResponse(buf: Buffer): { response: RawResponse; rest: Buffer } | null {
  const head = buf.indexOf('\r\n\r\n');
  if (head < 0) return null;
  const [statusLine, ...lines] = buf.subarray(0, head).toString('latin1').split('\r\n');
  const headers: Record<string, string> = Object.create(null);
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (buf.length < head + 4 + length) return null;
  const body = buf.subarray(head + 4, head + 4 + length).toString('utf8');
  return {
    response: { status: Number(statusLine.split(' ')[1]), headers, body },
    rest: buf.subarray(head + 4 + length),
  };
}

export const requestHead = (method: string, target: string, headers: Record<string, string | number>) =>
  `${method} ${target} HTTP/1.1\r\nhost: agent\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
