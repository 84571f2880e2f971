import { enrollRequestSchema } from '@/lib/agent-protocol/core';
import { enrollHost } from '@/lib/domain/hosts/enrollment';
import { parseBody, route } from '@/lib/http/route-handler';

// Called by an agent with its one-time token; no user session.
export const POST = route(async (req) => enrollHost(await parseBody(req, enrollRequestSchema)));
