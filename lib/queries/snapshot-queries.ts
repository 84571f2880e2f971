import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type {
  CheckpointGroupDto,
  PointStatsDto,
  SnapshotScheduleDto,
  VmSnapshotsDto,
  VmTimelineDto,
} from '@/lib/domain/snapshots/dto';
import { apiFetch } from './api-fetch';
import { POLL } from './poll';

const vmPath = (vmId: string) => `/api/vms/${encodeURIComponent(vmId)}`;

// Snapshots, checkpoints, group checkpoints and snapshot schedules: one root key, so a mutation
// or a finished task refreshes every view of them at once.
export const snapshotQueries = {
  all: () => ['snapshots'] as const,
  vm: (vmId: string) =>
    queryOptions({
      queryKey: [...snapshotQueries.all(), 'vm', vmId] as const,
      queryFn: ({ signal }) => apiFetch<VmSnapshotsDto>(`${vmPath(vmId)}/snapshots`, { signal }),
      refetchInterval: POLL.live,
    }),
  timeline: (vmId: string) =>
    queryOptions({
      queryKey: [...snapshotQueries.all(), 'timeline', vmId] as const,
      queryFn: ({ signal }) => apiFetch<VmTimelineDto>(`${vmPath(vmId)}/timeline`, { signal }),
      refetchInterval: POLL.live,
    }),
  groups: () =>
    queryOptions({
      queryKey: [...snapshotQueries.all(), 'groups'] as const,
      queryFn: ({ signal }) => apiFetch<CheckpointGroupDto[]>('/api/checkpoint-groups', { signal }),
      refetchInterval: POLL.live,
    }),
  schedules: () =>
    queryOptions({
      queryKey: [...snapshotQueries.all(), 'schedules'] as const,
      queryFn: ({ signal }) => apiFetch<SnapshotScheduleDto[]>('/api/snapshot-schedules', { signal }),
      refetchInterval: POLL.idleTasks,
    }),
  stats: (days: number) =>
    queryOptions({
      queryKey: [...snapshotQueries.all(), 'stats', days] as const,
      queryFn: ({ signal }) => apiFetch<PointStatsDto>('/api/points/stats', { signal, query: { days } }),
      refetchInterval: POLL.idleTasks,
      placeholderData: keepPreviousData,
    }),
};
