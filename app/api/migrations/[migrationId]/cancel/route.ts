import { NextResponse } from 'next/server';
import { requireUser } from '@/lib/auth/session';
import { cancelMigration } from '@/lib/domain/migrations/service';
import { route } from '@/lib/http/route-handler';

// 202: the running migration is being cancelled (follow its task); the body says whether it was
// still queued (cancelled at once) or a cancel was requested from the agent.
export const POST = route<{ migrationId: string }>(async (_req, { migrationId }) => {
  const user = await requireUser();
  return NextResponse.json(await cancelMigration(user, migrationId), { status: 202 });
});
