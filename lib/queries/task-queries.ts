import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { TaskDto, TaskState } from '@/lib/domain/tasks/dto';
import { apiFetch } from './api-fetch';
import { pagedList } from './paged';
import { POLL } from './poll';

export type TaskListFilters = { state?: TaskState; targetId?: string };

export function isTaskActive(task: Pick<TaskDto, 'state'>): boolean {
  return task.state === 'queued' || task.state === 'running';
}

export const taskQueries = {
  all: () => ['tasks'] as const,
  lists: () => [...taskQueries.all(), 'list'] as const,
  list: (filters: TaskListFilters = {}) =>
    queryOptions({
      queryKey: [...taskQueries.lists(), filters] as const,
      queryFn: ({ signal }) => apiFetch<TaskDto[]>('/api/tasks', { signal, query: filters }),
      refetchInterval: (q) => (q.state.data?.some(isTaskActive) ? POLL.activeTasks : POLL.idleTasks),
      placeholderData: keepPreviousData,
    }),
  // The tasks page: newest first, a page at a time ("Load older").
  paged: (filters: TaskListFilters = {}) =>
    pagedList<TaskDto>({
      queryKey: [...taskQueries.lists(), 'paged', filters],
      path: '/api/tasks',
      query: filters,
      refetchInterval: (rows) => (rows.some(isTaskActive) ? POLL.activeTasks : POLL.idleTasks),
    }),
  detail: (taskId: string) =>
    queryOptions({
      queryKey: [...taskQueries.all(), 'detail', taskId] as const,
      queryFn: ({ signal }) => apiFetch<TaskDto>(`/api/tasks/${encodeURIComponent(taskId)}`, { signal }),
      refetchInterval: (q) => (!q.state.data || isTaskActive(q.state.data) ? POLL.activeTasks : false),
    }),
};
