import type { HostDto } from '@/lib/domain/hosts/dto';

export function hostFreeMemoryBytes(host: Pick<HostDto, 'memoryUsedBytes' | 'memoryTotalBytes'>): number {
  return Math.max(0, host.memoryTotalBytes - host.memoryUsedBytes);
}

export function hostMemoryRatio(host: Pick<HostDto, 'memoryUsedBytes' | 'memoryTotalBytes'>): number {
  return host.memoryTotalBytes > 0 ? host.memoryUsedBytes / host.memoryTotalBytes : 0;
}

// Up for the operator: heartbeats arrive AND the HA manager has not judged it failed or fenced
// (a failed host's last heartbeat can look fresh for a few seconds).
export function isHostUp(host: Pick<HostDto, 'status' | 'ha'>): boolean {
  return host.status === 'online' && host.ha?.state !== 'failed' && host.ha?.state !== 'fenced';
}
