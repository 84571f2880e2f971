'use client';
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { VmSelectorField } from '@/components/backups/vm-selector-field';
import { TaskProgress } from '@/components/tasks/task-progress';
import { Switch, TextField } from '@/components/ui/form-field';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import type { VmSelector } from '@/lib/domain/backups/dto';
import { createGroupSchema } from '@/lib/domain/snapshots/schemas';
import type { VmDto } from '@/lib/domain/vms/dto';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { formatDateTime } from '@/lib/format';
import { useCreateCheckpointGroup } from '@/lib/queries/snapshot-mutations';
import { useVmsById } from '@/lib/queries/use-vms-by-id';
import { vmQueries } from '@/lib/queries/vm-queries';

const FORM_ID = 'group-checkpoint-form';

const TAGGED_SHOWN = 500;

/**
 * The VMs a selector picks now (by hand or by tag), as the server resolves them at request time:
 * the named ones and the first TAGGED_SHOWN tagged ones; `more` when further tagged VMs exist.
 */
function useMembers(s: VmSelector): { vms: VmDto[]; more: boolean } {
  const named = useVmsById(s.vmIds);
  const tagged = useQuery({
    ...vmQueries.page({ tags: s.tags, limit: TAGGED_SHOWN }),
    enabled: s.tags.length > 0,
  });
  const byId = new Map<string, VmDto>();
  for (const id of s.vmIds) if (named.vms.has(id)) byId.set(id, named.vms.get(id)!);
  for (const v of s.tags.length ? (tagged.data?.items ?? []) : []) byId.set(v.id, v);
  const vms = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { vms, more: s.tags.length > 0 && Boolean(tagged.data?.nextCursor) };
}

function MembersPreview({ selector, memory }: { selector: VmSelector; memory: boolean }) {
  const { vms, more } = useMembers(selector);
  if (vms.length === 0) return null;
  const hosts = new Set(vms.map((v) => v.hostId)).size;
  const off = memory ? vms.filter((v) => v.state !== 'running') : [];
  return (
    <div className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600" data-testid="group-members-preview">
      <p>
        <span className="font-medium text-slate-800">
          {more ? 'More than ' : ''}
          {vms.length} VM{vms.length === 1 ? '' : 's'} on {hosts} host{hosts === 1 ? '' : 's'}:
        </span>{' '}
        {vms.map((v) => `${v.name} (${v.hostName})`).join(', ')}
      </p>
      {off.length > 0 && (
        <p className="mt-1 text-amber-800">
          A checkpoint with memory needs running VMs: {off.map((v) => `${v.name} is ${v.state}`).join(', ')}.
        </p>
      )}
    </div>
  );
}

/** Pause several VMs at one instant, take each one's point, resume them all; then the task live. */
export function GroupCreateDialog({
  onClose,
  onAccepted,
}: {
  onClose: () => void;
  onAccepted: (taskId: string, name: string) => void;
}) {
  const router = useRouter();
  const create = useCreateCheckpointGroup();
  const form = useSchemaForm(createGroupSchema);
  const [name, setName] = useState(`group ${formatDateTime(Date.now()).slice(0, 16)}`);
  const [memory, setMemory] = useState(true);
  const [selector, setSelector] = useState<VmSelector>({ vmIds: [], tags: [] });
  const [taskId, setTaskId] = useState<string | null>(null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({ name, memory, vmIds: selector.vmIds, tags: selector.tags });
    if (!input) return;
    create.mutate(input, {
      onSuccess: (r) => {
        setTaskId(r.taskId);
        onAccepted(r.taskId, input.name);
      },
      onError: (err) => form.applyServerError(err),
    });
  }

  return (
    <FormStepDialog
      onClose={onClose}
      size="lg"
      title="New group checkpoint"
      description={
        taskId
          ? 'The group checkpoint runs as a task; you can close this and follow it on the task page.'
          : 'Several VMs, across hosts, frozen at one instant and brought back together.'
      }
      formId={FORM_ID}
      submitLabel="Take group checkpoint"
      pending={create.isPending}
      done={taskId !== null}
      againLabel="Open the task"
      onAgain={() => taskId && router.push(`/tasks/${taskId}`)}
    >
      {taskId ? (
        <div data-testid="group-accepted">
          <TaskProgress taskId={taskId} />
        </div>
      ) : (
        <form id={FORM_ID} onSubmit={onSubmit} noValidate className="space-y-4">
          {form.errors._form && (
            <p role="alert" className="text-sm text-red-700">
              {form.errors._form}
            </p>
          )}
          <TextField
            label="Name"
            name="name"
            value={name}
            error={form.errors.name}
            autoFocus
            autoComplete="off"
            onChange={(e) => {
              setName(e.target.value);
              form.clearError('name');
            }}
          />
          <Switch
            label="With memory"
            checked={memory}
            onChange={setMemory}
            description={
              memory
                ? 'Every VM pauses at the same instant, its disk is frozen and its memory saved, and all resume within milliseconds: the group comes back exactly as it was, programs running.'
                : 'Crash-consistent: the disks only, frozen at one instant (like a power cut of all at once). Fast even for large groups; a restore boots the VMs.'
            }
          />
          <VmSelectorField
            legend="VMs in the group"
            tagNote="they are the members when you take it"
            value={selector}
            error={form.errors.vmIds ?? form.errors.tags}
            onChange={(s) => {
              setSelector(s);
              form.clearError('vmIds');
            }}
          />
          <MembersPreview selector={selector} memory={memory} />
        </form>
      )}
    </FormStepDialog>
  );
}
