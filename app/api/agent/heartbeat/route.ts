import { heartbeatEndpoint } from '@/lib/domain/hosts/heartbeat-endpoint';

export const POST = heartbeatEndpoint;
