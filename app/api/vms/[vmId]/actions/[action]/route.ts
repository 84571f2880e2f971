import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { vmActionSchema } from '@/lib/domain/vms/schemas';
import { runVmAction } from '@/lib/domain/vms/service';
import { accepted, route } from '@/lib/http/route-handler';
import { parseInput } from '@/lib/http/validation';

export const POST = route<{ vmId: string; action: string }>(async (_req, { vmId, action }) => {
  // Audited under the action tried (vm.stop, ...) when it is one; nothing else is parsed yet.
  const user = await requireUserAllowed(
    'vm.operate',
    vmActionSchema.safeParse(action).success ? `vm.${action}` : 'vm.operate',
  );
  return accepted(await runVmAction(user, vmId, parseInput(vmActionSchema, action)));
});
