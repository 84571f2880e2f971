// Every dashboard route handler, found on disk (app/api/**/route.ts) and called the way Next calls
// it: a NextRequest plus `{ params }` taken from the folder names ([vmId], [...nextauth]).
import { inRequestScope } from './next-runtime'; // first: before anything loads Next
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { NextRequest } from 'next/server';

const APP_DIR = path.resolve(import.meta.dirname, '../../app');
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

export type RouteParam = { name: string; catchAll: boolean };
export type AppRoute = {
  file: string; // relative to the repository, e.g. app/api/vms/[vmId]/route.ts
  pattern: string; // URL path with its folder names, e.g. /api/vms/[vmId]
  params: RouteParam[];
  load: () => Promise<Partial<Record<HttpMethod, Handler>>>;
};

// Route groups `(name)` do not appear in the URL; `[x]`, `[...x]`, `[[...x]]` are params.
function paramOf(segment: string): RouteParam | null {
  const m = /^\[{1,2}(\.\.\.)?([^\]]+)\]{1,2}$/.exec(segment);
  return m ? { name: m[2], catchAll: Boolean(m[1]) } : null;
}

export function discoverRoutes(under = 'api'): AppRoute[] {
  const root = path.join(APP_DIR, under);
  return (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => path.basename(f) === 'route.ts')
    .sort()
    .map((rel) => {
      const segments = path
        .dirname(path.join(under, rel))
        .split(path.sep)
        .filter((s) => !/^\(.*\)$/.test(s));
      const abs = path.join(root, rel);
      return {
        file: path.relative(path.resolve(APP_DIR, '..'), abs),
        pattern: `/${segments.join('/')}`,
        params: segments.map(paramOf).filter((p): p is RouteParam => p !== null),
        load: () => import(/* @vite-ignore */ abs) as Promise<Partial<Record<HttpMethod, Handler>>>,
      };
    });
}

export type RouteCall = {
  method: HttpMethod;
  params: Record<string, string>; // catch-all params are split on '/'
  query?: Record<string, string>;
  body?: string; // sent as is (JSON or not)
  headers?: Record<string, string>;
};

export type RouteAnswer = { status: number; body: unknown; text: string; headers: Headers };

/** Calls a handler as Next would: the params in the URL (encoded), the body as raw text. */
// An event stream never ends by itself: its first event is its answer, then the client hangs up
// (which closes the stream on the server, as a browser leaving the page does).
async function bodyText(res: Response): Promise<string> {
  if (!res.headers.get('content-type')?.startsWith('text/event-stream') || !res.body) return res.text();
  const reader = res.body.getReader();
  const first = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(first.value);
}

export async function callRoute(route: AppRoute, handler: Handler, call: RouteCall): Promise<RouteAnswer> {
  let urlPath = route.pattern;
  const params: Record<string, string | string[]> = {};
  for (const p of route.params) {
    const value = call.params[p.name] ?? '';
    // Next splits a catch-all on '/' and never hands over an empty segment ('//' is normalised).
    const segments = value.split('/').filter(Boolean);
    params[p.name] = p.catchAll ? segments : value;
    urlPath = urlPath.replace(
      /\[{1,2}(\.\.\.)?[^\]]+\]{1,2}/,
      p.catchAll ? segments.map(encodeURIComponent).join('/') : encodeURIComponent(value),
    );
  }
  const url = new URL(`http://127.0.0.1:3000${urlPath}`);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.append(k, v);
  const withBody = call.body !== undefined && call.method !== 'GET';
  const req = new NextRequest(url, {
    method: call.method,
    headers: { ...(withBody ? { 'content-type': 'application/json' } : {}), ...call.headers },
    body: withBody ? call.body : undefined,
  });
  // Inside a request scope as in `next start`, so next/headers (cookies(), headers()) works.
  const res = await inRequestScope(`${route.pattern}/route`, req, () =>
    handler(req, { params: Promise.resolve(params) }),
  );
  const text = await bodyText(res);
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body, text, headers: res.headers };
}
