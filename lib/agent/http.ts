// HTTP plumbing shared by the router and the handlers: JSON bodies and error -> response
// mapping. Input parsing is the dashboard's own (lib/http/validation), so both answer one 422 shape.
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, errorMessage, invalidInput, payloadTooLarge } from '@/lib/errors';

// `file`: an answer streamed from an open file (boot files for DR, lib/agent/replication); the
// handle is closed when the stream ends.
export type Reply = { status: number; body?: unknown; file?: { handle: FileHandle; size: number } };

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw payloadTooLarge(limit, declared); // refused before a byte is read
  const text = await readBody(req, limit);
  if (text.trim() === '') return {}; // bodiless POSTs (start, restart) parse as {}
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidInput({ body: [`not valid JSON: ${errorMessage(err)}`] });
  }
}

// Listeners rather than `for await`: leaving an async iterator early destroys the request and
// with it the socket, so the 413 could not be sent. Over the limit it stops collecting and pauses;
// the server then answers and closes the connection (see closeAfterReply in server.ts).
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done();
      req.pause();
      reject(payloadTooLarge(limit));
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    // The client went away mid-body: nobody waits for an answer, but the handler must not hang.
    const onClose = () => {
      done();
      reject(invalidInput({ body: ['the request body ended early'] }));
    };
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}

// A reader that stops reading for this long is cut off (the open file is not held forever).
const FILE_IDLE_MS = 60_000;

export function sendFile(res: ServerResponse, file: NonNullable<Reply['file']>, headers: Record<string, string>) {
  const stream = file.handle.createReadStream();
  res.setTimeout(FILE_IDLE_MS, () => res.destroy());
  res.once('close', () => stream.destroy());
  res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream', 'content-length': file.size });
  stream.on('error', () => res.destroy()).pipe(res);
}

// AppErrors are expected outcomes (their own status and body); anything else is a bug or an
// unforeseen failure: logged with its stack, answered as a plain 500.
export function errorReply(err: unknown, log: (msg: string) => void, what: string): Reply {
  if (err instanceof AppError) return { status: err.status, body: err.toJSON() };
  log(`${what} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { status: 500, body: { error: { code: 'INTERNAL', message: errorMessage(err) } } };
}
