'use client';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import type { DrJobDto } from '@/lib/domain/dr/dto';
import { drTestFailoverSchema } from '@/lib/domain/dr/schemas';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useTestFailover } from '@/lib/queries/dr';
import { PointSelect } from './point-select';

const FORM_ID = 'dr-test-failover-form';

/** Start a throwaway copy of a replica point on the target: the source and replication go on. */
export function TestFailoverDialog({
  job,
  onClose,
  onAccepted,
}: {
  job: DrJobDto;
  onClose: () => void;
  onAccepted: (taskId: string, what: string) => void;
}) {
  const start = useTestFailover(job.id);
  const form = useSchemaForm(drTestFailoverSchema);
  const [pointId, setPointId] = useState('');

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({ pointId: pointId || undefined });
    if (!input) return;
    start.mutate(input, {
      onSuccess: ({ taskId }) => {
        onAccepted(taskId, `Test failover of ${job.vm.name}`);
        onClose();
      },
      onError: (err) => form.applyServerError(err),
    });
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Test failover of ${job.vm.name}`}
      description={`A copy of a replica point boots on ${job.replica.hostName} (site ${job.replica.site}), isolated: no network device. ${job.vm.name} and its replication carry on; discard the copy when done.`}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={FORM_ID} variant="primary" loading={start.isPending}>
            Start test copy
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
        <PointSelect
          label="Replica point"
          points={job.points}
          value={pointId}
          onChange={setPointId}
          error={form.errors.pointId}
        />
        <p className="text-xs text-slate-600">
          The point is kept while the test copy stands on it; newer points keep coming.
        </p>
      </form>
    </Dialog>
  );
}
