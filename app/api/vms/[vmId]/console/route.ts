import { requireUser } from '@/lib/auth/session';
import { consoleQuerySchema } from '@/lib/domain/vms/schemas';
import { readVmConsole } from '@/lib/domain/vms/service';
import { rateLimit } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ vmId: string }>(async (req, { vmId }) => {
  rateLimit(await requireUser(), 'console');
  return readVmConsole(vmId, parseQuery(req, consoleQuerySchema).lines);
});
