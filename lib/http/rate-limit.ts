import 'server-only';
import { rateLimited } from '@/lib/errors';

// Per-user token buckets for expensive reads, in memory (one dashboard process). A bucket holds
// `burst` requests and refills `perMinute`; the UI's polling (metrics every 5 s, console every 3 s,
// debounced previews) stays well inside. Health and cheap reads are never limited.
export const RATE_LIMITS = {
  'backup preview': { burst: 10, perMinute: 30 },
  metrics: { burst: 30, perMinute: 120 },
  'migration estimate': { burst: 10, perMinute: 30 },
  console: { burst: 30, perMinute: 120 },
  'repository usage': { burst: 20, perMinute: 60 },
} as const satisfies Record<string, { burst: number; perMinute: number }>;

export type RouteClass = keyof typeof RATE_LIMITS;

type Bucket = { tokens: number; at: number };

// On globalThis: Next.js may load this module once per route bundle, but the limit is per process.
const store = globalThis as { vmopsRateBuckets?: Map<string, Bucket> };
const buckets = (store.vmopsRateBuckets ??= new Map());
const SWEEP_AT = 10_000; // buckets, before full (idle) ones are dropped

// Takes one token from the caller's bucket for this class, or throws 429 RATE_LIMITED with the
// seconds until a token is back.
export function rateLimit(user: { id: string }, routeClass: RouteClass, now: number = Date.now()): void {
  const { burst, perMinute } = RATE_LIMITS[routeClass];
  const perMs = perMinute / 60_000;
  const key = `${routeClass}\u0000${user.id}`;
  const b = buckets.get(key) ?? { tokens: burst, at: now };
  b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.at) * perMs);
  b.at = now;
  if (b.tokens < 1) {
    buckets.set(key, b);
    throw rateLimited(routeClass, Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)));
  }
  b.tokens -= 1;
  buckets.set(key, b);
  if (buckets.size > SWEEP_AT) sweep(now);
}

function sweep(now: number): void {
  for (const [key, b] of buckets) {
    const { burst, perMinute } = RATE_LIMITS[key.split('\u0000')[0] as RouteClass];
    if (b.tokens + ((now - b.at) * perMinute) / 60_000 >= burst) buckets.delete(key);
  }
}

// Tests start from full buckets.
export function resetRateLimits(): void {
  buckets.clear();
}
