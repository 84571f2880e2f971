// A coded JSON answer written straight onto a socket, then closed: for refusing a WebSocket
// upgrade (agent console, dashboard console gateway), where no ServerResponse exists.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export function answerAndClose(socket: Duplex, status: number, body: unknown, lingerMs = 2_000): void {
  const text = JSON.stringify(body);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'connection: close',
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(text)}`,
  ];
  if (socket.writable) socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
  // The client may keep sending (a handshake body, frames): the socket goes after a moment regardless.
  setTimeout(() => socket.destroy(), lingerMs).unref();
}
