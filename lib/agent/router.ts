// A tiny method + path router ("/v1/vms/:id/stop"); node:http needs nothing bigger for a dozen
// routes and it keeps the agent free of a framework dependency.
import type { IncomingMessage } from 'node:http';
import { readJson, type Reply } from './http';

export type RouteContext = {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  json(): Promise<unknown>;
};
export type Handler = (ctx: RouteContext) => Promise<Reply>;

type Route = { method: string; pattern: string; parts: string[]; handler: Handler };
export type RouteMatch = { handler: Handler; params: Record<string, string> };

export class Router {
  private routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, pattern, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }
  // What is registered (the generated bad-input suite walks every route).
  list(): { method: string; pattern: string }[] {
    return this.routes.map(({ method, pattern }) => ({ method, pattern }));
  }
  get = (p: string, h: Handler) => this.add('GET', p, h);
  post = (p: string, h: Handler) => this.add('POST', p, h);
  put = (p: string, h: Handler) => this.add('PUT', p, h);
  delete = (p: string, h: Handler) => this.add('DELETE', p, h);

  // null = no such path; { allowed } = the path exists with other methods (405).
  match(method: string, pathname: string): RouteMatch | { allowed: string[] } | null {
    const segs = pathname.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const r of this.routes) {
      const params = matchParts(r.parts, segs);
      if (!params) continue;
      if (r.method === method) return { handler: r.handler, params };
      allowed.push(r.method);
    }
    return allowed.length ? { allowed } : null;
  }
}

function matchParts(parts: string[], segs: string[]): Record<string, string> | null {
  if (parts.length !== segs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith(':')) {
      try {
        params[parts[i].slice(1)] = decodeURIComponent(segs[i]);
      } catch {
        return null; // malformed %-escape: treat as no match rather than throwing
      }
    } else if (parts[i] !== segs[i]) return null;
  }
  return params;
}

// Query parameters as an object for a schema. The keys are the caller's: no prototype, so
// `?__proto__=x` is just an unknown key.
export function queryInput(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of query) out[k] = v;
  return out;
}

export function contextFor(req: IncomingMessage, params: Record<string, string>, query: URLSearchParams): RouteContext {
  return { req, params, query, json: () => readJson(req) };
}
