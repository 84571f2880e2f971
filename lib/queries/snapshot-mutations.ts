'use client';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { SnapshotScheduleDto } from '@/lib/domain/snapshots/dto';
import type {
  CloneSnapshotInput,
  CreateGroupInput,
  ScheduleInput,
  TakeSnapshotInput,
} from '@/lib/domain/snapshots/schemas';
import { apiFetch } from './api-fetch';
import { snapshotQueries } from './snapshot-queries';
import { taskQueries } from './task-queries';
import type { TaskAccepted, VmCreateAccepted } from './vm-mutations';
import { vmQueries } from './vm-queries';

const enc = encodeURIComponent;
const snapshotPath = (vmId: string, snapshotId: string) => `/api/vms/${enc(vmId)}/snapshots/${enc(snapshotId)}`;

// Not awaited by callers' dialogs: they switch to the task at once, the lists catch up.
function invalidatePoints(qc: QueryClient) {
  return Promise.all([
    qc.invalidateQueries({ queryKey: snapshotQueries.all() }),
    qc.invalidateQueries({ queryKey: taskQueries.all() }),
    qc.invalidateQueries({ queryKey: vmQueries.all() }),
  ]);
}

// Shows the task on the VM page at once, before the next poll brings activeTaskId.
function markActiveTask(qc: QueryClient, vmId: string, taskId: string) {
  qc.setQueryData(vmQueries.detail(vmId).queryKey, (vm) => (vm ? { ...vm, activeTaskId: taskId } : vm));
}

export function useTakeSnapshot(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not take the snapshot' },
    mutationFn: (input: TakeSnapshotInput) =>
      apiFetch<TaskAccepted & { snapshotId: string }>(`/api/vms/${enc(vmId)}/snapshots`, {
        method: 'POST',
        json: input,
      }),
    onSuccess: ({ taskId }) => {
      markActiveTask(qc, vmId, taskId);
      void invalidatePoints(qc);
    },
  });
}

export function useRevertSnapshot(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not revert' },
    mutationFn: (snapshotId: string) =>
      apiFetch<TaskAccepted>(`${snapshotPath(vmId, snapshotId)}/revert`, { method: 'POST', json: {} }),
    onSuccess: ({ taskId }) => {
      markActiveTask(qc, vmId, taskId);
      void invalidatePoints(qc);
    },
  });
}

export function useDeleteSnapshot(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not delete the snapshot' },
    mutationFn: (snapshotId: string) => apiFetch<TaskAccepted>(snapshotPath(vmId, snapshotId), { method: 'DELETE' }),
    onSuccess: ({ taskId }) => {
      markActiveTask(qc, vmId, taskId);
      void invalidatePoints(qc);
    },
  });
}

export function useCloneSnapshot(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not create the linked clone' },
    mutationFn: ({ snapshotId, input }: { snapshotId: string; input: CloneSnapshotInput }) =>
      apiFetch<VmCreateAccepted>(`${snapshotPath(vmId, snapshotId)}/clone`, { method: 'POST', json: input }),
    onSuccess: () => void invalidatePoints(qc),
  });
}

/** A linked clone copies what it still reads from its parent's layers and stands alone. */
export function useDetachClone(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not make the clone independent' },
    mutationFn: () => apiFetch<TaskAccepted>(`/api/vms/${enc(vmId)}/detach`, { method: 'POST' }),
    onSuccess: ({ taskId }) => {
      markActiveTask(qc, vmId, taskId);
      void invalidatePoints(qc);
    },
  });
}

export function useCreateCheckpointGroup() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not take the group checkpoint' },
    mutationFn: (input: CreateGroupInput) =>
      apiFetch<TaskAccepted & { groupId: string }>('/api/checkpoint-groups', { method: 'POST', json: input }),
    onSuccess: () => void invalidatePoints(qc),
  });
}

export function useRestoreCheckpointGroup() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not restore the group' },
    mutationFn: (groupId: string) =>
      apiFetch<TaskAccepted>(`/api/checkpoint-groups/${enc(groupId)}/restore`, { method: 'POST' }),
    onSuccess: () => void invalidatePoints(qc),
  });
}

export function useDeleteCheckpointGroup() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not delete the group checkpoint' },
    mutationFn: (groupId: string) =>
      apiFetch<TaskAccepted>(`/api/checkpoint-groups/${enc(groupId)}`, { method: 'DELETE' }),
    onSuccess: () => void invalidatePoints(qc),
  });
}

/** Create (no scheduleId) or replace a snapshot schedule. */
export function useSaveSnapshotSchedule(scheduleId?: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: scheduleId ? 'Could not save the schedule' : 'Could not create the schedule' },
    mutationFn: (input: ScheduleInput) =>
      scheduleId
        ? apiFetch<SnapshotScheduleDto>(`/api/snapshot-schedules/${enc(scheduleId)}`, { method: 'PUT', json: input })
        : apiFetch<SnapshotScheduleDto>('/api/snapshot-schedules', { method: 'POST', json: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: snapshotQueries.all() }),
  });
}

export function useDeleteSnapshotSchedule() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not delete the schedule' },
    mutationFn: (scheduleId: string) =>
      apiFetch<void>(`/api/snapshot-schedules/${enc(scheduleId)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: snapshotQueries.all() }),
  });
}
