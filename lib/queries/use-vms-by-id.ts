'use client';
import { useQueries } from '@tanstack/react-query';
import type { VmDto } from '@/lib/domain/vms/dto';
import { VM_IDS_PER_REQUEST, vmQueries } from './vm-queries';

/**
 * The VMs a list of ids names (a selector's VMs, excluded VMs, VMs moved away), by id, fetched
 * VM_IDS_PER_REQUEST at a time. A deleted VM is simply absent: callers show its id instead.
 */
export function useVmsById(ids: readonly string[]): { vms: ReadonlyMap<string, VmDto>; isPending: boolean } {
  const sorted = [...new Set(ids)].sort();
  const chunks: string[][] = [];
  for (let i = 0; i < sorted.length; i += VM_IDS_PER_REQUEST) chunks.push(sorted.slice(i, i + VM_IDS_PER_REQUEST));
  return useQueries({
    queries: chunks.map((chunk) => vmQueries.page({ ids: chunk, limit: VM_IDS_PER_REQUEST })),
    combine: (results) => ({
      vms: new Map(results.flatMap((r) => r.data?.items ?? []).map((v) => [v.id, v])),
      isPending: results.some((r) => r.isPending),
    }),
  });
}
