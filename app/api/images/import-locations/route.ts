import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { listImportLocations } from '@/lib/domain/images/queries';
import { route } from '@/lib/http/route-handler';

// Host paths are shown only to roles that may import.
export const GET = route(async () => {
  await requireUserAllowed('image.import');
  return listImportLocations();
});
