import type { HostDto } from '@/lib/domain/hosts/dto';

export function hostFreeMemoryBytes(host: Pick<HostDto, 'memoryUsedBytes' | 'memoryTotalBytes'>): number {
  return Math.max(0, host.memoryTotalBytes - host.memoryUsedBytes);
}

export function hostMemoryRatio(host: Pick<HostDto, 'memoryUsedBytes' | 'memoryTotalBytes'>): number {
  return host.memoryTotalBytes > 0 ? host.memoryUsedBytes / host.memoryTotalBytes : 0;
}
