import { requireUser } from '@/lib/auth/session';
import { consoleQuerySchema } from '@/lib/domain/vms/schemas';
import { readVmConsole } from '@/lib/domain/vms/service';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ vmId: string }>(async (req, { vmId }) => {
  await requireUser();
  return readVmConsole(vmId, parseQuery(req, consoleQuerySchema).lines);
});
