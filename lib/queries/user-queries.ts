import { queryOptions } from '@tanstack/react-query';
import type { UserDto } from '@/lib/domain/users/dto';
import { apiFetch } from './api-fetch';

export const userQueries = {
  all: () => ['users'] as const,
  list: () =>
    queryOptions({
      queryKey: [...userQueries.all(), 'list'] as const,
      queryFn: ({ signal }) => apiFetch<UserDto[]>('/api/users', { signal }),
    }),
};
