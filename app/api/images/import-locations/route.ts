import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { listImportLocations } from '@/lib/domain/images/queries';
import { route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  const user = await requireUserAllowed('image.import', 'image.import-locations');
  return listImportLocations(user);
});
