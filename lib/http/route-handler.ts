import 'server-only';
import { NextResponse, type NextRequest } from 'next/server';
import type { z } from 'zod';
import { AppError, invalidInput } from '@/lib/errors';
import { parseInput } from './validation';

type Ctx<P> = { params: Promise<P> };

// The one error mapper: AppError -> its status and { error: { code, message, data } }; anything
// else is an unexpected 500, logged with its stack and answered without internals.
export function errorResponse(err: unknown): NextResponse {
  if (err instanceof AppError) return NextResponse.json(err.toJSON(), { status: err.status });
  console.error('vmops:api unexpected error', err);
  return NextResponse.json({ error: { code: 'INTERNAL', message: 'Unexpected server error; see the dashboard log' } }, { status: 500 });
}

export function route<P = Record<string, never>>(handler: (req: NextRequest, params: P) => Promise<Response | unknown>) {
  return async (req: NextRequest, ctx: Ctx<P>) => {
    try {
      const out = await handler(req, (await ctx?.params) ?? ({} as P));
      return out instanceof Response ? out : NextResponse.json(out, { status: 200 });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

export async function parseBody<S extends z.ZodType>(req: NextRequest, schema: S): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw invalidInput({ _: ['The request body must be JSON'] });
  }
  return parseInput(schema, body);
}

export function parseQuery<S extends z.ZodType>(req: NextRequest, schema: S): z.output<S> {
  return parseInput(schema, Object.fromEntries(req.nextUrl.searchParams));
}

export function accepted(body: { taskId: string } & Record<string, unknown>): NextResponse {
  return NextResponse.json(body, { status: 202, headers: { Location: `/api/tasks/${body.taskId}` } });
}
