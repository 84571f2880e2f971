'use client';
import { useState } from 'react';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import type { SnapshotScheduleDto } from '@/lib/domain/snapshots/dto';
import { ScheduleForm } from './schedule-form';

const FORM_ID = 'snapshot-schedule-form';

export function ScheduleFormDialog({ schedule, onClose }: { schedule?: SnapshotScheduleDto; onClose: () => void }) {
  const [pending, setPending] = useState(false);
  const [saved, setSaved] = useState<SnapshotScheduleDto | null>(null);
  const [round, setRound] = useState(0);
  const [current, setCurrent] = useState(schedule); // after a save, editing again starts from what was saved
  return (
    <FormStepDialog
      onClose={onClose}
      size="lg"
      title={schedule ? `Edit schedule ${schedule.name}` : 'New snapshot schedule'}
      description={
        saved ? `Saved. ${saved.scheduleText} (${saved.timezone}).` : 'Which VMs, when, and how many snapshots to keep.'
      }
      formId={FORM_ID}
      submitLabel={schedule ? 'Save schedule' : 'Create schedule'}
      pending={pending}
      done={saved !== null}
      againLabel={schedule ? 'Edit again' : 'Create another'}
      onAgain={() => {
        if (schedule && saved) setCurrent(saved);
        setSaved(null);
        setRound((r) => r + 1);
      }}
    >
      {saved ? (
        <p className="text-sm text-slate-600" data-testid="schedule-saved">
          Schedule <span className="font-medium text-slate-900">{saved.name}</span> keeps the newest {saved.keep}{' '}
          {saved.memory ? 'checkpoints' : 'snapshots'} of each VM; next run{' '}
          {saved.nextRunAt ? new Date(saved.nextRunAt).toLocaleString() : '—'}.
        </p>
      ) : (
        <ScheduleForm key={round} id={FORM_ID} schedule={current} onSaved={setSaved} onPending={setPending} />
      )}
    </FormStepDialog>
  );
}
