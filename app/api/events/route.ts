import { requireUser } from '@/lib/auth/session';
import { openEventStream } from '@/lib/domain/events/event-stream';
import { route } from '@/lib/http/route-handler';

export const dynamic = 'force-dynamic';

// Live updates for open pages (server-sent events): which VMs and tasks changed; pages refetch.
export const GET = route(async (req) => openEventStream(await requireUser(), req.signal));
