'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { ProgressBar } from '@/components/ui/progress-bar';
import type { DrFailbackDto, DrJobDto } from '@/lib/domain/dr/dto';
import { formatBytes } from '@/lib/format';
import { useDrFailback } from '@/lib/queries/dr';
import { failbackText } from './dr-bits';
import { jobBusyReason } from './dr-rules';

type Watch = (taskId: string, what: string) => void;

/**
 * After a failover: "Start failback" (the replica's changes travel back into the original disk, in
 * place) and, once a reverse run succeeded, "Complete failback" (the planned switch back).
 */
export function FailbackActions({ job, watch }: { job: DrJobDto; watch: Watch }) {
  const perm = usePermission('dr.failover');
  const failback = useDrFailback(job.id);
  const [dialog, setDialog] = useState<'start' | 'complete' | null>(null);
  const fb = job.failback;
  if (!fb || (job.state !== 'failed-over' && job.state !== 'failing-back')) return null;
  const startOff =
    perm.reason ??
    (!fb.canStart ? 'Failback cannot start now' : job.activeTaskId ? 'A DR task of this VM is under way' : null);
  // The switch back waits for a reverse run in flight (its task does).
  const completeOff =
    perm.reason ??
    (fb.canComplete
      ? jobBusyReason(job, { runsYield: true })
      : 'Wait until one reverse run succeeded: the original disk is not there yet');
  const act = (action: 'start' | 'complete') =>
    failback.mutate(
      { action },
      {
        onSuccess: ({ taskId }) =>
          watch(taskId, action === 'start' ? `Failback of ${job.vm.name}` : `Switch back of ${job.vm.name}`),
        onSettled: () => setDialog(null),
      },
    );

  return (
    <>
      {job.state === 'failed-over' ? (
        <Button
          size="sm"
          variant="primary"
          disabled={Boolean(startOff)}
          disabledReason={startOff}
          onClick={() => setDialog('start')}
        >
          Start failback
        </Button>
      ) : (
        <Button
          size="sm"
          variant="primary"
          disabled={Boolean(completeOff)}
          disabledReason={completeOff}
          onClick={() => setDialog('complete')}
        >
          Complete failback
        </Button>
      )}
      <ConfirmDialog
        open={dialog === 'start'}
        tone="primary"
        onCancel={() => setDialog(null)}
        title={`Fail ${job.vm.name} back to site ${job.vm.site}?`}
        description={
          <>
            {job.replica.name} keeps running on site {job.replica.site}. Every {job.intervalSec} s its changes travel
            back into the original disk of {job.vm.name} on {job.vm.hostName}, in place: only the blocks changed since
            the failover (and those {job.vm.name} wrote after it), not a full copy of {formatBytes(fb.fullCopyBytes)}.{' '}
            {job.vm.name} stays stopped until you complete the failback.
          </>
        }
        confirmLabel="Start failback"
        pending={failback.isPending}
        onConfirm={() => act('start')}
      />
      <ConfirmDialog
        open={dialog === 'complete'}
        onCancel={() => setDialog(null)}
        title={`Switch ${job.vm.name} back to ${job.vm.hostName}?`}
        description={`A planned switch back: ${job.replica.name} is shut down (forced after 60 s), its last changes are copied in one more run, then ${job.vm.name} starts on ${job.vm.hostName} (site ${job.vm.site}) and replication resumes forward, incremental.`}
        confirmLabel="Complete failback"
        typeToConfirm={job.vm.name}
        pending={failback.isPending}
        onConfirm={() => act('complete')}
      />
    </>
  );
}

/** Where a failback stands: reverse runs, and the data that travelled against a full copy. */
export function FailbackProgress({ failback }: { failback: DrFailbackDto }) {
  const moved = failback.bytesSent + failback.bytesPulled;
  return (
    <span className="block min-w-40 space-y-1 text-xs" data-testid="dr-failback">
      <ProgressBar
        size="sm"
        label="Data sent back against a full copy"
        value={failback.fullCopyBytes ? moved / failback.fullCopyBytes : 0}
        valueText={failbackText(failback)}
      />
      <span className="block text-slate-600">{failbackText(failback)}</span>
    </span>
  );
}
