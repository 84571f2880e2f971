'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Switch } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';
import type { BackupJobDto } from '@/lib/domain/backups/dto';
import { useDeleteJob, useRunJob, useSetJobEnabled } from '@/lib/queries/backup-mutations';
import { JobFormDialog } from './job-form-dialog';

export function JobEnabledSwitch({ job }: { job: BackupJobDto }) {
  const perm = usePermission('backup.manage');
  const toggle = useSetJobEnabled();
  const checked = toggle.isPending ? Boolean(toggle.variables?.enabled) : job.enabled;
  return (
    <span title={perm.reason ?? (checked ? 'Enabled: runs on schedule' : 'Disabled: runs only with Run now')}>
      <Switch
        label={checked ? 'On' : 'Off'}
        checked={checked}
        disabled={!perm.allowed || toggle.isPending}
        onChange={(enabled) => toggle.mutate({ jobId: job.id, enabled })}
      />
    </span>
  );
}

export function JobRowActions({ job }: { job: BackupJobDto }) {
  const perm = usePermission('backup.manage');
  const { toast } = useToast();
  const run = useRunJob();
  const remove = useDeleteJob();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const can = { disabled: !perm.allowed, disabledReason: perm.reason };

  return (
    <div className="flex justify-end gap-1.5">
      <Button
        size="sm"
        variant="primary"
        {...can}
        disabled={!perm.allowed || Boolean(job.activeTaskId)}
        loading={run.isPending}
        disabledReason={perm.reason ?? (job.activeTaskId ? 'Already running' : null)}
        aria-label={`Run now: ${job.name}`}
        onClick={() =>
          run.mutate(job.id, {
            onSuccess: () =>
              toast({
                title: `Backup ${job.name} started`,
                description: 'Its progress shows under Tasks.',
                tone: 'success',
              }),
          })
        }
      >
        Run now
      </Button>
      <Button size="sm" {...can} aria-label={`Edit ${job.name}`} onClick={() => setEditing(true)}>
        Edit
      </Button>
      <Button
        size="sm"
        variant="ghost"
        {...can}
        aria-label={`Delete ${job.name}`}
        className="text-red-700 hover:bg-red-50 hover:text-red-800"
        onClick={() => setConfirming(true)}
      >
        Delete
      </Button>
      {editing && <JobFormDialog job={job} onClose={() => setEditing(false)} />}
      <ConfirmDialog
        open={confirming}
        onCancel={() => setConfirming(false)}
        pending={remove.isPending}
        title={`Delete job ${job.name}?`}
        confirmLabel="Delete job"
        description={`The job stops running. Its ${job.pointCount} restore point${job.pointCount === 1 ? '' : 's'} stay in the repository and can still be restored from each VM's page.`}
        onConfirm={() => remove.mutate(job.id, { onSettled: () => setConfirming(false) })}
      />
    </div>
  );
}
