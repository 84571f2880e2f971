import { requireUser } from '@/lib/auth/session';
import { listMigrations } from '@/lib/domain/migrations/queries';
import { listMigrationsQuerySchema } from '@/lib/domain/migrations/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  await requireUser();
  return listMigrations(parseQuery(req, listMigrationsQuerySchema));
});
