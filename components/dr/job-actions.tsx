'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { DrJobDto, DrTestVmDto } from '@/lib/domain/dr/dto';
import { useDeleteDrJob, useRunDrJob, useUpdateDrJob } from '@/lib/queries/dr';
import { useDeleteVm } from '@/lib/queries/vm-mutations';
import { jobBusyReason } from './dr-rules';
import { FailbackActions } from './failback-actions';
import { FailoverDialog } from './failover-dialog';
import { TestFailoverDialog } from './test-failover-dialog';

type Watch = (taskId: string, what: string) => void;

/** The row's buttons (run, pause, test failover, failover, failback, remove), each with its reason when off. */
export function JobActions({ job, watch }: { job: DrJobDto; watch: Watch }) {
  const manage = usePermission('dr.manage');
  const fail = usePermission('dr.failover');
  const run = useRunDrJob(job.id);
  const update = useUpdateDrJob(job.id);
  const remove = useDeleteDrJob(job.id);
  const [dialog, setDialog] = useState<'test' | 'failover' | 'remove' | null>(null);
  const close = () => setDialog(null);
  const busy = jobBusyReason(job);
  // Failover and test failover wait for a replication run in flight (the task does).
  const switchBusy = jobBusyReason(job, { runsYield: true });
  const noPoint = job.points.length === 0 ? 'No replica point yet' : null;
  const runOff = manage.reason ?? busy;
  // Pause, test failover and failover exist while the job replicates forward; failed over or
  // failing back, the failback buttons take their place. A paused job still takes Run now, test
  // failovers and failovers: only the schedule stops.
  const forward = job.state === 'active';
  const testOff = manage.reason ?? switchBusy ?? noPoint;
  const removeOff =
    manage.reason ??
    (job.tests.length ? 'Discard its test copies first' : job.activeTaskId ? 'A DR task is running' : null);

  return (
    <div className="flex flex-wrap justify-end gap-1.5">
      <FailbackActions job={job} watch={watch} />
      {job.state !== 'failed-over' && (
        <Button
          size="sm"
          disabled={Boolean(runOff)}
          disabledReason={runOff}
          loading={run.isPending}
          onClick={() =>
            run.mutate(undefined, { onSuccess: ({ taskId }) => watch(taskId, `Replication of ${job.vm.name}`) })
          }
        >
          {forward ? 'Run now' : 'Run back now'}
        </Button>
      )}
      {forward && (
        <>
          <Button
            size="sm"
            disabled={Boolean(manage.reason)}
            disabledReason={manage.reason}
            loading={update.isPending}
            onClick={() => update.mutate({ enabled: !job.enabled })}
          >
            {job.enabled ? 'Pause' : 'Resume'}
          </Button>
          <Button size="sm" disabled={Boolean(testOff)} disabledReason={testOff} onClick={() => setDialog('test')}>
            Test failover
          </Button>
          <Button
            size="sm"
            variant="danger"
            disabled={Boolean(fail.reason ?? switchBusy)}
            disabledReason={fail.reason ?? switchBusy}
            onClick={() => setDialog('failover')}
          >
            Failover
          </Button>
        </>
      )}
      <Button
        size="sm"
        variant="ghost"
        disabled={Boolean(removeOff)}
        disabledReason={removeOff}
        onClick={() => setDialog('remove')}
      >
        Remove job
      </Button>
      {dialog === 'test' && <TestFailoverDialog job={job} onClose={close} onAccepted={watch} />}
      {dialog === 'failover' && <FailoverDialog job={job} onClose={close} onAccepted={watch} />}
      <ConfirmDialog
        open={dialog === 'remove'}
        onCancel={close}
        title={`Stop protecting ${job.vm.name}?`}
        description={
          job.state !== 'active'
            ? `The job's history goes; ${job.replica.name} stays as the VM it became.`
            : `Replication stops and the replica ${job.replica.name} with its ${job.points.length} point(s) is deleted from ${job.replica.hostName}. ${job.vm.name} is not touched.`
        }
        confirmLabel="Remove job"
        pending={remove.isPending}
        onConfirm={() => remove.mutate(undefined, { onSettled: close })}
      />
    </div>
  );
}

/** Discard a test copy: the ordinary VM delete of the dr-test VM. */
export function DiscardTestButton({ test, watch }: { test: DrTestVmDto; watch: Watch }) {
  const perm = usePermission('vm.delete');
  const del = useDeleteVm(test.vmId);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        size="sm"
        disabled={Boolean(perm.reason)}
        disabledReason={perm.reason}
        loading={del.isPending}
        onClick={() => setOpen(true)}
      >
        Discard test
      </Button>
      <ConfirmDialog
        open={open}
        onCancel={() => setOpen(false)}
        title={`Discard ${test.name}?`}
        description="The test copy is stopped and deleted with everything written to it. The replica point it stood on may be merged away again."
        confirmLabel="Discard"
        pending={del.isPending}
        onConfirm={() =>
          del.mutate(undefined, {
            onSuccess: ({ taskId }) => watch(taskId, `Discard of ${test.name}`),
            onSettled: () => setOpen(false),
          })
        }
      />
    </>
  );
}
