'use client';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { VmAction } from '@/lib/domain/vms/dto';
import type { CreateVm } from '@/lib/domain/vms/schemas';
import { apiFetch } from './api-fetch';
import { hostQueries } from './host-queries';
import { taskQueries } from './task-queries';
import { vmQueries } from './vm-queries';

export type TaskAccepted = { taskId: string };
export type VmCreateAccepted = TaskAccepted & { vmId: string };

const vmPath = (vmId: string) => `/api/vms/${encodeURIComponent(vmId)}`;

// Shows the new task on the VM page at once, before the next poll brings activeTaskId.
function markActiveTask(qc: QueryClient, vmId: string, taskId: string) {
  qc.setQueryData(vmQueries.detail(vmId).queryKey, (vm) => (vm ? { ...vm, activeTaskId: taskId } : vm));
}

// `scope: 'lists'` leaves the VM's own queries alone (a deleted VM's page would only fetch 404s).
async function invalidateVmState(qc: QueryClient, scope: 'all' | 'lists' = 'all') {
  await Promise.all([
    qc.invalidateQueries({ queryKey: scope === 'all' ? vmQueries.all() : vmQueries.lists() }),
    qc.invalidateQueries({ queryKey: taskQueries.all() }),
    qc.invalidateQueries({ queryKey: hostQueries.all() }),
  ]);
}

export function useCreateVm() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not create the VM' },
    mutationFn: (input: CreateVm) => apiFetch<VmCreateAccepted>('/api/vms', { method: 'POST', json: input }),
    onSuccess: ({ vmId, taskId }) => {
      markActiveTask(qc, vmId, taskId);
      return invalidateVmState(qc);
    },
  });
}

export function useVmAction(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'The VM refused that action' },
    mutationFn: (action: VmAction) => apiFetch<TaskAccepted>(`${vmPath(vmId)}/actions/${action}`, { method: 'POST' }),
    onSuccess: ({ taskId }) => {
      markActiveTask(qc, vmId, taskId);
      return invalidateVmState(qc);
    },
  });
}

export function useDeleteVm(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not delete the VM' },
    mutationFn: () => apiFetch<TaskAccepted>(vmPath(vmId), { method: 'DELETE' }),
    onSuccess: ({ taskId }) => {
      markActiveTask(qc, vmId, taskId);
      return invalidateVmState(qc, 'lists');
    },
  });
}

/** Call when a VM task finishes so state, counts and lists catch up without waiting for a poll. */
export function useRefreshAfterTask() {
  const qc = useQueryClient();
  return () => invalidateVmState(qc);
}
