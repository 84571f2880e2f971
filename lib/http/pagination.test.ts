import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { pageResponse, toPage } from './pagination';

describe('toPage', () => {
  const rows = [5, 4, 3, 2, 1];
  it('keeps limit rows and names the last as the next cursor when more were read', () => {
    expect(toPage(rows, 3, String, (r) => r * 10)).toEqual({ items: [50, 40, 30], nextCursor: '3' });
  });
  it('has no next page when no more rows were read', () => {
    expect(toPage(rows, 5, String, (r) => r)).toEqual({ items: rows, nextCursor: null });
    expect(toPage([], 5, String, (r) => r)).toEqual({ items: [], nextCursor: null });
  });
});

describe('pageResponse', () => {
  const req = new NextRequest('http://localhost/api/tasks?state=failed&limit=2&cursor=old');
  it('answers the array and the next page in a Link header with the same query', async () => {
    const res = pageResponse(req, { items: [{ id: 'a' }], nextCursor: 'b c' });
    expect(await res.json()).toEqual([{ id: 'a' }]);
    expect(res.headers.get('link')).toBe('</api/tasks?state=failed&limit=2&cursor=b+c>; rel="next"');
  });
  it('has no Link header on the last page', async () => {
    const res = pageResponse(req, { items: [], nextCursor: null });
    expect(await res.json()).toEqual([]);
    expect(res.headers.get('link')).toBeNull();
  });
});
