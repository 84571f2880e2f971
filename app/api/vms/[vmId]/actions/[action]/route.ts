import { requireUser } from '@/lib/auth/session';
import { vmActionSchema } from '@/lib/domain/vms/schemas';
import { runVmAction } from '@/lib/domain/vms/service';
import { accepted, route } from '@/lib/http/route-handler';
import { parseInput } from '@/lib/http/validation';

export const POST = route<{ vmId: string; action: string }>(async (_req, { vmId, action }) => {
  const user = await requireUser();
  return accepted(await runVmAction(user, vmId, parseInput(vmActionSchema, action)));
});
