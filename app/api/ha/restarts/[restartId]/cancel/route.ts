import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { restartIdParamSchema } from '@/lib/domain/ha/schemas';
import { cancelRestart } from '@/lib/domain/ha/service';
import { route } from '@/lib/http/route-handler';
import { parseInput } from '@/lib/http/validation';

export const POST = route<{ restartId: string }>(async (_req, params) => {
  const user = await requireUserAllowed('vm.ha', 'ha.restart.cancel');
  return cancelRestart(user, parseInput(restartIdParamSchema, params).restartId);
});
