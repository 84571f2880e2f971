import { requireUser } from '@/lib/auth/session';
import { route } from '@/lib/http/route-handler';

export const GET = route(() => requireUser());
