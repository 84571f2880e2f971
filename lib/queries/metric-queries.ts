import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { MetricRange, SeriesDto } from '@/lib/domain/metrics/dto';
import { apiFetch } from './api-fetch';
import { POLL } from './poll';

function seriesOptions(key: readonly unknown[], path: string, range: MetricRange) {
  return queryOptions({
    queryKey: [...key, range] as const,
    queryFn: ({ signal }) => apiFetch<SeriesDto>(path, { signal, query: { range } }),
    refetchInterval: POLL.live,
    placeholderData: keepPreviousData, // keep the old curve while another range loads
  });
}

export const metricQueries = {
  all: () => ['metrics'] as const,
  cluster: (range: MetricRange) => seriesOptions([...metricQueries.all(), 'cluster'], '/api/cluster/metrics', range),
  host: (hostId: string, range: MetricRange) =>
    seriesOptions([...metricQueries.all(), 'host', hostId], `/api/hosts/${encodeURIComponent(hostId)}/metrics`, range),
  vm: (vmId: string, range: MetricRange) =>
    seriesOptions([...metricQueries.all(), 'vm', vmId], `/api/vms/${encodeURIComponent(vmId)}/metrics`, range),
};
