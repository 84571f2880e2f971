import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { vmListQuery, vmQueries } from './vm-queries';

afterEach(() => vi.unstubAllGlobals());

describe('vmListQuery', () => {
  it('sends only the filters set, lists comma-separated and the limit as text', () => {
    expect(
      vmListQuery({ q: '  web ', state: 'running', ids: ['vm-a', 'vm-b'], tags: [], sort: 'created', limit: 20 }),
    ).toEqual({
      q: 'web',
      state: 'running',
      hostId: undefined,
      site: undefined,
      ids: 'vm-a,vm-b',
      tags: undefined,
      sort: 'created',
      order: undefined,
      limit: '20',
    });
    expect(Object.values(vmListQuery({ q: '   ' })).filter(Boolean)).toEqual([]);
  });
});

describe('vmQueries.complete', () => {
  it('follows the Link headers until the last page', async () => {
    const urls: string[] = [];
    const pages: Record<string, { body: unknown[]; next?: string }> = {
      '': { body: [{ id: 'vm-1' }, { id: 'vm-2' }], next: 'vm-2' },
      'vm-2': { body: [{ id: 'vm-3' }], next: 'vm-3' },
      'vm-3': { body: [] },
    };
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      const page = pages[new URL(url, 'http://x').searchParams.get('cursor') ?? ''];
      const link = page.next ? { Link: `</api/vms?hostId=h1&limit=500&cursor=${page.next}>; rel="next"` } : undefined;
      return new Response(JSON.stringify(page.body), { status: 200, headers: link });
    });
    const rows = await new QueryClient().fetchQuery(vmQueries.complete({ hostId: 'h1' }));
    expect(rows.map((v) => v.id)).toEqual(['vm-1', 'vm-2', 'vm-3']);
    expect(urls).toEqual([
      '/api/vms?hostId=h1&limit=500',
      '/api/vms?hostId=h1&limit=500&cursor=vm-2',
      '/api/vms?hostId=h1&limit=500&cursor=vm-3',
    ]);
  });
});
