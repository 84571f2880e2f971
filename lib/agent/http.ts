// HTTP plumbing shared by the router and the handlers: JSON bodies and error -> response
// mapping. Input parsing is the dashboard's own (lib/http/validation), so both answer one 422 shape.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, errorMessage, invalidInput } from '@/lib/errors';

export type Reply = { status: number; body?: unknown };

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw invalidInput({ body: [`larger than ${limit} bytes`] }, 'Request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {}; // bodiless POSTs (start, restart) parse as {}
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidInput({ body: [`not valid JSON: ${errorMessage(err)}`] });
  }
}

export function sendJson(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

// AppErrors are expected outcomes (their own status and body); anything else is a bug or an
// unforeseen failure: logged with its stack, answered as a plain 500.
export function errorReply(err: unknown, log: (msg: string) => void, what: string): Reply {
  if (err instanceof AppError) return { status: err.status, body: err.toJSON() };
  log(`${what} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { status: 500, body: { error: { code: 'INTERNAL', message: errorMessage(err) } } };
}
