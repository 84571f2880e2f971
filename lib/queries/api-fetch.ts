// The one fetch wrapper for the dashboard API. Non-2xx answers become an ApiError carrying the
// server's { error: { code, message, data } } so forms can show `fields` and toasts the message.

import type { Page } from '@/lib/http/pagination';

export type ApiFieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: ApiFieldErrors = {},
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type ApiFetchInit = Omit<RequestInit, 'body'> & {
  json?: unknown;
  query?: Record<string, string | number | undefined | null>;
};

function withQuery(path: string, query: ApiFetchInit['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

async function readBody(res: Response): Promise<unknown> {
  if (res.status === 204) return undefined;
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toApiError(res: Response, body: unknown): ApiError {
  const e = (body as { error?: { code?: unknown; message?: unknown; data?: unknown } } | null)?.error;
  const data = (e?.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const fields = (data.fields && typeof data.fields === 'object' ? data.fields : {}) as ApiFieldErrors;
  const code = typeof e?.code === 'string' ? e.code : `HTTP_${res.status}`;
  const message =
    typeof e?.message === 'string' ? e.message : `${res.status} ${res.statusText || 'request failed'}`.trim();
  return new ApiError(res.status, code, message, fields, data);
}

async function request(path: string, init: ApiFetchInit): Promise<{ res: Response; body: unknown }> {
  const { json, query, headers, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(withQuery(path, query), {
      ...rest,
      headers: {
        Accept: 'application/json',
        ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: json !== undefined ? JSON.stringify(json) : undefined,
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(
      0,
      'NETWORK',
      `The dashboard cannot be reached (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const body = await readBody(res);
  if (!res.ok) throw toApiError(res, body);
  return { res, body };
}

export async function apiFetch<T>(path: string, init: ApiFetchInit = {}): Promise<T> {
  return (await request(path, init)).body as T;
}

// The cursor of the next page, from the Link header a list endpoint sends (lib/http/pagination.ts).
export function nextCursorOf(link: string | null): string | null {
  const next = link && /<([^>]*)>;\s*rel="next"/.exec(link);
  return next ? new URL(next[1], 'http://x').searchParams.get('cursor') : null;
}

// One page of a paginated list: its rows and the cursor of the next (older) page.
export async function apiFetchPage<T>(path: string, init: ApiFetchInit = {}): Promise<Page<T>> {
  const { res, body } = await request(path, init);
  return { items: body as T[], nextCursor: nextCursorOf(res.headers.get('link')) };
}

export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.status === status);
}

/** First message per field, for forms. */
export function firstFieldErrors(fields: ApiFieldErrors): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, msgs] of Object.entries(fields)) if (msgs?.length) out[k] = msgs[0];
  return out;
}
