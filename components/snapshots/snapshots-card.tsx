'use client';
import { useQuery } from '@tanstack/react-query';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { CheckpointIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import type { VmDto } from '@/lib/domain/vms/dto';
import { formatBytes } from '@/lib/format';
import { snapshotQueries } from '@/lib/queries/snapshot-queries';
import { CapabilityStrip } from './capability-strip';
import { CloneBanner } from './clone-banner';
import { usePointDialogs, usePointReasons } from './point-actions';
import { SnapshotTree } from './snapshot-tree';
import { deleteBlockReason, snapshotTreeRows, type SnapshotRow } from './snapshot-tree-model';

/** The VM page's snapshots and checkpoints: what the VM supports now, the tree, and the actions on each point. */
export function SnapshotsCard({ vm }: { vm: VmDto }) {
  const query = useQuery(snapshotQueries.vm(vm.id));
  const reasons = usePointReasons(vm, query.data);
  const dialogs = usePointDialogs(vm);
  const snapshots = query.data?.snapshots ?? [];
  const total = snapshots.reduce((n, s) => n + s.layerBytes + s.stateBytes, 0);

  const rowActions = (row: SnapshotRow) => {
    const s = row.snapshot;
    const removeReason = reasons.remove ?? deleteBlockReason(row);
    return (
      <>
        <Button
          size="sm"
          variant="ghost"
          aria-label={`Revert to ${s.name}`}
          disabled={Boolean(reasons.revert)}
          disabledReason={reasons.revert}
          onClick={() => dialogs.open({ type: 'revert', snapshot: s })}
        >
          Revert
        </Button>
        <Button
          size="sm"
          variant="ghost"
          aria-label={`Clone from ${s.name}`}
          disabled={Boolean(reasons.clone)}
          disabledReason={reasons.clone}
          onClick={() => dialogs.open({ type: 'clone', snapshot: s })}
        >
          Clone
        </Button>
        <Button
          size="sm"
          variant="ghost"
          aria-label={`Delete ${s.name}`}
          disabled={Boolean(removeReason)}
          disabledReason={removeReason}
          className="text-red-700 hover:bg-red-50 hover:text-red-800"
          onClick={() => dialogs.open({ type: 'delete', snapshot: s })}
        >
          Delete
        </Button>
      </>
    );
  };

  return (
    <Card aria-label="Snapshots" data-testid="snapshots-card">
      <CardHeader
        title="Snapshots"
        description={
          snapshots.length === 0
            ? 'Points this VM can go back to, kept beside its disk'
            : `${snapshots.length} point${snapshots.length === 1 ? '' : 's'} · ${formatBytes(total)} beside the disk`
        }
        actions={
          <>
            <Button
              disabled={Boolean(reasons.take(false))}
              disabledReason={reasons.take(false)}
              onClick={() => dialogs.open({ type: 'take', memory: false })}
            >
              Take snapshot
            </Button>
            <Button
              variant="primary"
              disabled={Boolean(reasons.take(true))}
              disabledReason={reasons.take(true)}
              onClick={() => dialogs.open({ type: 'take', memory: true })}
            >
              Take checkpoint
            </Button>
          </>
        }
      />
      <QueryState query={query} what="snapshots" skeleton={<SkeletonRows rows={3} />}>
        {(data) => (
          <>
            <CapabilityStrip capabilities={data.capabilities} error={data.capabilitiesError} />
            {data.cloneOf && (
              <CloneBanner
                vmId={vm.id}
                cloneOf={data.cloneOf}
                busyReason={reasons.remove}
                onAccepted={(taskId) => dialogs.watch(taskId, `Making ${vm.name} independent`)}
              />
            )}
            {data.snapshots.length === 0 ? (
              <EmptyState
                icon={<CheckpointIcon />}
                title="No snapshots yet"
                description="A snapshot freezes the disk in a moment, live; a checkpoint also keeps the memory, so the VM comes back exactly where it was."
              />
            ) : (
              <SnapshotTree
                rows={snapshotTreeRows(data.snapshots, data.currentId)}
                vmName={vm.name}
                vmState={vm.state}
                actions={rowActions}
              />
            )}
          </>
        )}
      </QueryState>
      {dialogs.node}
    </Card>
  );
}
