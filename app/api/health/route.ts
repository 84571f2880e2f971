import { db } from '@/lib/db/client';
import { route } from '@/lib/http/route-handler';

export const dynamic = 'force-dynamic';
export const GET = route(async () => {
  await db().$queryRawUnsafe('SELECT 1');
  return { ok: true };
});
