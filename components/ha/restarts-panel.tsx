'use client';
import Link from 'next/link';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { useToast } from '@/components/ui/toast';
import type { HaRestartDto } from '@/lib/domain/ha/dto';
import { formatRelativeTime } from '@/lib/format';
import { useCancelRestart } from '@/lib/queries/ha';
import { formatSeconds, HostLink, PriorityBadge, RestartStateBadge, VmLink } from './ha-bits';
import { restartLastStepMs, restartOutageMs } from './ha-rules';
import { RestartTimeline } from './restart-timeline';

const REASON_PREFIX: Partial<Record<HaRestartDto['state'], string>> = {
  pending: '',
  failed: 'Failed: ',
  cancelled: '',
};

function RestartRow({ r }: { r: HaRestartDto }) {
  const { toast } = useToast();
  const permission = usePermission('vm.ha');
  const cancel = useCancelRestart();
  const [confirm, setConfirm] = useState(false);
  const outage = restartOutageMs(r);
  const doCancel = () =>
    cancel.mutate(r.id, {
      onSuccess: () => {
        setConfirm(false);
        toast({
          tone: 'success',
          title: `Restart of ${r.vmName} cancelled`,
          description: 'It stays down until someone restarts it.',
        });
      },
    });
  return (
    <li className="space-y-2 px-4 py-3" data-testid="ha-restart" data-state={r.state} data-vm={r.vmName}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1.5 text-sm">
        <RestartStateBadge state={r.state} />
        <VmLink id={r.vmId} name={r.vmName} />
        <span className="inline-flex items-center gap-1.5 text-slate-600">
          <HostLink id={r.fromHostId} name={r.fromHostName} />
          <span aria-hidden="true" className="text-slate-400">
            →
          </span>
          <span className="sr-only">to</span>
          {r.targetHostId ? (
            <HostLink id={r.targetHostId} name={r.targetHostName} />
          ) : (
            <span className="text-slate-500">{r.state === 'pending' ? 'no host yet' : 'not restarted'}</span>
          )}
        </span>
        <PriorityBadge priority={r.priority} />
        <span className="text-xs text-slate-500">
          {r.manual ? `by hand${r.requestedBy ? ` (${r.requestedBy})` : ''}` : 'automatic'}
          {r.attempts > 1 && ` · attempt ${r.attempts}`} · detected {formatRelativeTime(r.detectedAt)}
        </span>
        <span className="ml-auto flex items-center gap-3">
          {outage !== null && (
            <span
              className="text-xs text-slate-600"
              title="From the failure (or its detection) to the guest ready (or QEMU up)"
            >
              down for{' '}
              <span className="font-semibold text-slate-900 tabular-nums" data-testid="restart-outage">
                {formatSeconds(outage)}
              </span>
            </span>
          )}
          {r.taskId && (
            <Link href={`/tasks/${r.taskId}`} className="text-xs font-medium text-accent-700 hover:underline">
              Task
            </Link>
          )}
          {r.state === 'pending' && (
            <Button
              size="sm"
              onClick={() => setConfirm(true)}
              loading={cancel.isPending}
              disabled={!permission.allowed}
              disabledReason={permission.reason}
            >
              Cancel restart
            </Button>
          )}
        </span>
      </div>
      {r.reason && r.state in REASON_PREFIX && (
        <p
          className={
            r.state === 'failed'
              ? 'text-xs text-red-700'
              : r.state === 'pending'
                ? 'text-xs text-amber-800'
                : 'text-xs text-slate-600'
          }
          data-testid="restart-reason"
        >
          {REASON_PREFIX[r.state]}
          {r.reason}
        </p>
      )}
      <RestartTimeline r={r} />
      <ConfirmDialog
        open={confirm}
        onCancel={() => setConfirm(false)}
        onConfirm={doCancel}
        pending={cancel.isPending}
        title={`Cancel the restart of ${r.vmName}?`}
        confirmLabel="Cancel restart"
        cancelLabel="Keep it pending"
        description={`vmops stops trying to restart ${r.vmName}; it stays down until someone starts it or restarts it from this page.`}
      />
    </li>
  );
}

/**
 * Pending restarts first (with why they wait), then the running and the ended ones, latest first, each with its
 * timeline.
 */
export function RestartsPanel({ restarts }: { restarts: HaRestartDto[] }) {
  const rank = (r: HaRestartDto) => (r.state === 'pending' ? 0 : r.state === 'restarting' ? 1 : 2);
  const sorted = [...restarts].sort((a, b) => rank(a) - rank(b) || restartLastStepMs(b) - restartLastStepMs(a));
  const pending = restarts.filter((r) => r.state === 'pending').length;
  return (
    <Card data-testid="ha-restarts">
      <CardHeader
        title="Restarts"
        description={
          pending ? `${pending} pending: retried every second` : 'Pending and recent restarts with their times'
        }
      />
      {sorted.length === 0 ? (
        <EmptyState
          title="No restarts"
          description="When a host's lease expires, its HA VMs are restarted elsewhere and appear here with their timeline."
        />
      ) : (
        <ul className="divide-y divide-slate-100">
          {sorted.map((r) => (
            <RestartRow key={r.id} r={r} />
          ))}
        </ul>
      )}
    </Card>
  );
}
