import 'server-only';
import { NextResponse, type NextRequest } from 'next/server';
import type { z } from 'zod';
import { AppError, invalidInput, payloadTooLarge } from '@/lib/errors';
import { parseInput } from './validation';

type Ctx<P> = { params: Promise<P> };

// The one error mapper: AppError -> its status and { error: { code, message, data } }; anything
// else is an unexpected 500, logged with its stack and answered without internals.
export function errorResponse(err: unknown): NextResponse {
  if (err instanceof AppError) {
    // Any coded error that says when to try again (429 RATE_LIMITED) says it in the header too.
    const retry = err.data?.retryAfterSeconds;
    return NextResponse.json(err.toJSON(), {
      status: err.status,
      headers: typeof retry === 'number' ? { 'Retry-After': String(retry) } : undefined,
    });
  }
  console.error('vmops:api unexpected error', err);
  return NextResponse.json(
    { error: { code: 'INTERNAL', message: 'Unexpected server error; see the dashboard log' } },
    { status: 500 },
  );
}

export function route<P = Record<string, never>>(
  handler: (req: NextRequest, params: P) => Promise<Response | unknown>,
) {
  return async (req: NextRequest, ctx: Ctx<P>) => {
    try {
      const out = await handler(req, (await ctx?.params) ?? ({} as P));
      return out instanceof Response ? out : NextResponse.json(out, { status: 200 });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

// Every JSON body the dashboard accepts is small; some routes (enroll, heartbeat) take them
// before any user is known, so the reader stops at this size instead of buffering whatever comes.
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

async function readText(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge(limit, declared);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as JSON: 413 past the size limit, 422 when it is not JSON. */
export async function readJson(req: Request, limit = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const text = await readText(req, limit);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidInput({ _: ['The request body must be JSON'] });
  }
}

export async function parseBody<S extends z.ZodType>(req: NextRequest, schema: S): Promise<z.output<S>> {
  return parseInput(schema, await readJson(req));
}

export function parseQuery<S extends z.ZodType>(req: NextRequest, schema: S): z.output<S> {
  return parseInput(schema, Object.fromEntries(req.nextUrl.searchParams));
}

export function accepted(body: { taskId: string } & Record<string, unknown>): NextResponse {
  return NextResponse.json(body, { status: 202, headers: { Location: `/api/tasks/${body.taskId}` } });
}
