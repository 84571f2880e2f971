import { NextResponse, type NextRequest } from 'next/server';

// One page of a list, newest first, and the cursor of the next (older) page, if any.
export type Page<T> = { items: T[]; nextCursor: string | null };

// Reads one more row than the page holds: whether a next page exists, without counting.
export function toPage<R, T>(rows: R[], limit: number, cursorOf: (row: R) => string, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && items.length ? cursorOf(items[items.length - 1]) : null,
  };
}

// The body stays the array (every client reads it as before); the next page's address goes in a
// Link header (RFC 8288, as GitHub's API does), the same query with the cursor set.
export function pageResponse<T>(req: NextRequest, page: Page<T>): NextResponse {
  if (!page.nextCursor) return NextResponse.json(page.items);
  const params = new URLSearchParams(req.nextUrl.searchParams);
  params.set('cursor', page.nextCursor);
  return NextResponse.json(page.items, {
    headers: { Link: `<${req.nextUrl.pathname}?${params.toString()}>; rel="next"` },
  });
}
