import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { AuditEventDto } from '@/lib/domain/audit/dto';
import { apiFetch } from './api-fetch';
import { POLL } from './poll';

export type AuditFilters = { actor?: string; action?: string; result?: AuditEventDto['result'] };

export const auditQueries = {
  all: () => ['audit'] as const,
  list: (filters: AuditFilters = {}) =>
    queryOptions({
      queryKey: [...auditQueries.all(), 'list', filters] as const,
      queryFn: ({ signal }) => apiFetch<AuditEventDto[]>('/api/audit', { signal, query: filters }),
      refetchInterval: POLL.idleTasks,
      placeholderData: keepPreviousData, // no skeleton flash while filters change
    }),
};
