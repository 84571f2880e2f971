import { NextResponse } from 'next/server';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { cancelMigration } from '@/lib/domain/migrations/service';
import { route } from '@/lib/http/route-handler';

// 202: the running migration is being cancelled (follow its task); the body says whether it was
// still queued (cancelled at once) or a cancel was requested from the agent.
export const POST = route<{ migrationId: string }>(async (_req, { migrationId }) => {
  const user = await requireUserAllowed('vm.migrate', 'vm.migrate.cancel');
  return NextResponse.json(await cancelMigration(user, migrationId), { status: 202 });
});
