import { NextRequest } from 'next/server';
import { afterAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { admin, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { RATE_LIMITS, rateLimit, resetRateLimits } from './rate-limit';

// The session is the one seam: everything after it (limiter, parsing, preview, error mapper) is real.
const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/session', () => ({
  requireUser: async () => session.user,
  getSessionUser: async () => session.user,
}));

const { POST: preview } = await import('@/app/api/backup-jobs/preview/route');
const { GET: health } = await import('@/app/api/health/route');

const testDb = createTestDb();
afterAll(() => testDb.cleanup());
beforeEach(() => resetRateLimits());

const previewRequest = () =>
  new NextRequest('http://localhost/api/backup-jobs/preview', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ schedule: '* * * * *', timezone: 'Europe/Paris', retention: { keepLast: 5, daily: 7 } }),
  });
const noParams = { params: Promise.resolve({}) };

describe('per-user rate limits on expensive reads', () => {
  it('answers the 11th preview within the window 429 RATE_LIMITED with Retry-After; other users and health are unaffected', async () => {
    session.user = viewer;
    vi.useFakeTimers({ toFake: ['Date'] }); // "within the window" however slow this machine is
    onTestFinished(() => void vi.useRealTimers());
    expect(RATE_LIMITS['backup preview'].burst).toBe(10);
    for (let i = 0; i < 10; i++) expect((await preview(previewRequest(), noParams)).status).toBe(200);
    const limited = await preview(previewRequest(), noParams);
    expect(limited.status).toBe(429);
    const body = await limited.json();
    expect(body).toMatchObject({
      error: { code: 'RATE_LIMITED', data: { what: 'backup preview', retryAfterSeconds: 2 } },
    });
    expect(limited.headers.get('retry-after')).toBe('2'); // 30 a minute: one token back every 2 s

    session.user = admin; // a bucket per user
    expect((await preview(previewRequest(), noParams)).status).toBe(200);
    for (let i = 0; i < 50; i++)
      expect((await health(new NextRequest('http://localhost/api/health'), noParams)).status).toBe(200);
  });

  it('refills over time at the configured rate, up to the burst', () => {
    const t0 = 1_000_000;
    const { burst, perMinute } = RATE_LIMITS.metrics;
    for (let i = 0; i < burst; i++) rateLimit(viewer, 'metrics', t0);
    expect(() => rateLimit(viewer, 'metrics', t0)).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED', status: 429 }),
    );
    rateLimit(viewer, 'metrics', t0 + 60_000 / perMinute); // one token back
    expect(() => rateLimit(viewer, 'metrics', t0 + 60_000 / perMinute)).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED' }),
    );
    rateLimit(viewer, 'console', t0); // classes are separate buckets
    for (let i = 0; i < burst; i++) rateLimit(viewer, 'metrics', t0 + 3_600_000); // an hour idle: full, not more
    expect(() => rateLimit(viewer, 'metrics', t0 + 3_600_000)).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED' }),
    );
  });
});
