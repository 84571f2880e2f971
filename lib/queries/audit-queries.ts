import type { AuditEventDto } from '@/lib/domain/audit/dto';
import { pagedList } from './paged';
import { POLL } from './poll';

export type AuditFilters = { actor?: string; action?: string; result?: AuditEventDto['result'] };

export const auditQueries = {
  all: () => ['audit'] as const,
  // Newest first, a page at a time ("Load older"); no skeleton flash while filters change.
  list: (filters: AuditFilters = {}) =>
    pagedList<AuditEventDto>({
      queryKey: [...auditQueries.all(), 'list', filters],
      path: '/api/audit',
      query: filters,
      refetchInterval: () => POLL.idleTasks,
    }),
};
