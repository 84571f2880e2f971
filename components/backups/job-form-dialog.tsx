'use client';
import { useState } from 'react';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import type { BackupJobDto } from '@/lib/domain/backups/dto';
import { JobForm } from './job-form';

const FORM_ID = 'backup-job-form';

export function JobFormDialog({ job, onClose }: { job?: BackupJobDto; onClose: () => void }) {
  const [pending, setPending] = useState(false);
  const [saved, setSaved] = useState<BackupJobDto | null>(null);
  const [round, setRound] = useState(0);
  const [current, setCurrent] = useState(job); // after a save, editing again starts from what was saved
  return (
    <FormStepDialog
      onClose={onClose}
      size="lg"
      title={job ? `Edit job ${job.name}` : 'New backup job'}
      description={
        saved
          ? `Saved. ${saved.scheduleDescription} (${saved.timezone}).`
          : 'Which VMs, where to, when, and how long to keep the restore points.'
      }
      formId={FORM_ID}
      submitLabel={job ? 'Save job' : 'Create job'}
      pending={pending}
      done={saved !== null}
      againLabel={job ? 'Edit again' : 'Create another'}
      onAgain={() => {
        if (job && saved) setCurrent(saved);
        setSaved(null);
        setRound((r) => r + 1);
      }}
    >
      {saved ? (
        <p className="text-sm text-slate-600" data-testid="job-saved">
          Job <span className="font-medium text-slate-900">{saved.name}</span> backs up {saved.resolvedVms.length} VM
          {saved.resolvedVms.length === 1 ? '' : 's'} to {saved.repositoryName}; next run{' '}
          {saved.nextRunAt ? new Date(saved.nextRunAt).toLocaleString() : '—'}. Use Run now on the jobs table to take a
          first restore point at once.
        </p>
      ) : (
        <JobForm key={round} id={FORM_ID} job={current} onSaved={setSaved} onPendingChange={setPending} />
      )}
    </FormStepDialog>
  );
}
