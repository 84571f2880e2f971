'use client';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import type { DrJobDto } from '@/lib/domain/dr/dto';
import { drFailoverSchema } from '@/lib/domain/dr/schemas';
import { formatRelativeTime } from '@/lib/format';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useDrFailover } from '@/lib/queries/dr';
import { PointSelect } from './point-select';
import { TypeToConfirmField } from '@/components/ui/type-to-confirm-field';

const FORM_ID = 'dr-failover-form';

const MODES = {
  planned: {
    label: 'Planned (no data loss)',
    what: 'The VM is shut down (forced after 60 s), its last changes are copied in one more run, then the replica starts from that point.',
  },
  unplanned: {
    label: 'Unplanned (site A is down)',
    what: 'The replica starts from the chosen point at once. Anything written after that point is lost; if the VM still runs, it is stopped first so two copies never run.',
  },
} as const;

/** Make the replica the VM: planned (final sync, zero loss) or unplanned from a chosen point. */
export function FailoverDialog({
  job,
  onClose,
  onAccepted,
}: {
  job: DrJobDto;
  onClose: () => void;
  onAccepted: (taskId: string, what: string) => void;
}) {
  const failover = useDrFailover(job.id);
  const form = useSchemaForm(drFailoverSchema);
  const [mode, setMode] = useState<keyof typeof MODES>('planned');
  const [pointId, setPointId] = useState(''); // '' = the newest
  const [typed, setTyped] = useState('');
  // An unplanned failover loses data and cannot be undone in this version: the VM's name typed.
  const confirmed = mode === 'planned' || typed === job.vm.name;
  const noPoint = mode === 'unplanned' && job.points.length === 0;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!confirmed || noPoint) return;
    const input = form.validate({
      planned: mode === 'planned',
      pointId: mode === 'unplanned' && pointId ? pointId : undefined,
    });
    if (!input) return;
    failover.mutate(input, {
      onSuccess: ({ taskId }) => {
        onAccepted(taskId, `${mode === 'planned' ? 'Planned' : 'Unplanned'} failover of ${job.vm.name}`);
        onClose();
      },
      onError: (err) => form.applyServerError(err),
    });
  }

  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title={`Fail over ${job.vm.name}`}
      description={`To ${job.replica.name} on ${job.replica.hostName} (site ${job.replica.site}). Replication stops; the VM on site ${job.vm.site} stays stopped and refuses to start.`}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            form={FORM_ID}
            variant={mode === 'planned' ? 'primary' : 'danger'}
            loading={failover.isPending}
            disabled={!confirmed || noPoint}
          >
            {mode === 'planned' ? 'Start planned failover' : 'Fail over now'}
          </Button>
        </>
      }
    >
      <form id={FORM_ID} onSubmit={onSubmit} noValidate className="space-y-4">
        {form.errors._form && (
          <p role="alert" className="text-sm text-red-700">
            {form.errors._form}
          </p>
        )}
        <fieldset className="space-y-2">
          <legend className="mb-1 text-xs font-medium text-slate-700">Kind</legend>
          {(Object.keys(MODES) as (keyof typeof MODES)[]).map((m) => (
            <label key={m} className="flex cursor-pointer items-start gap-2 rounded-md border border-slate-200 p-2.5">
              <input
                type="radio"
                name="mode"
                value={m}
                checked={mode === m}
                onChange={() => setMode(m)}
                className="mt-0.5"
              />
              <span>
                <span className="block text-sm font-medium text-slate-800">{MODES[m].label}</span>
                <span className="block text-xs text-slate-600">{MODES[m].what}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {mode === 'unplanned' && (
          <>
            <PointSelect
              label="Replica point"
              points={job.points}
              value={pointId}
              onChange={setPointId}
              error={form.errors.pointId}
            />
            <p className="text-xs text-slate-600" data-testid="dr-loss">
              {job.newestPoint
                ? `The newest point is ${formatRelativeTime(job.newestPoint.takenAt)}: writes since then are lost.`
                : 'No replica point yet: nothing to fail over to.'}
            </p>
            <TypeToConfirmField word={job.vm.name} value={typed} onChange={(e) => setTyped(e.target.value)} />
          </>
        )}
      </form>
    </Dialog>
  );
}
