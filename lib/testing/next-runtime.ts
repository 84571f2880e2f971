// Next's request scope for route handlers called outside `next start` (next/headers needs it).
// Imported before anything from Next: Next reads globalThis.AsyncLocalStorage once, at load.
// Loaded with Node's require so these are the module instances next/headers itself uses.
import { createRequire } from 'node:module';
import type { NextRequest } from 'next/server';

const requireNext = createRequire(import.meta.url);
requireNext('next/dist/server/node-environment-baseline');
const { createRequestStoreForAPI } = requireNext(
  'next/dist/server/async-storage/request-store',
) as typeof import('next/dist/server/async-storage/request-store');
const { workUnitAsyncStorage } = requireNext(
  'next/dist/server/app-render/work-unit-async-storage.external',
) as typeof import('next/dist/server/app-render/work-unit-async-storage.external');
const { createWorkStore } = requireNext(
  'next/dist/server/async-storage/work-store',
) as typeof import('next/dist/server/async-storage/work-store');
const { workAsyncStorage } = requireNext(
  'next/dist/server/app-render/work-async-storage.external',
) as typeof import('next/dist/server/app-render/work-async-storage.external');

const NO_PREVIEW = { previewModeId: '', previewModeEncryptionKey: '', previewModeSigningKey: '' };

/** Runs `fn` as Next runs a route handler for `page` (e.g. /api/vms/[vmId]/route). */
export function inRequestScope<T>(page: string, req: NextRequest, fn: () => Promise<T>): Promise<T> {
  const work = createWorkStore({
    page,
    renderOpts: { experimental: {} },
    isPrefetchRequest: false,
    buildId: 'test',
    previouslyRevalidatedTags: [],
  } as never);
  const unit = createRequestStoreForAPI(
    req,
    req.nextUrl,
    { tags: [], expirationsByCacheKind: new Map() } as never,
    undefined,
    NO_PREVIEW,
    undefined,
  );
  return workAsyncStorage.run(work, () => workUnitAsyncStorage.run(unit, fn));
}
