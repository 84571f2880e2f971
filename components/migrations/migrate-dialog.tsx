'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { SelectField } from '@/components/ui/form-field';
import { QueryError } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import type { VmDto } from '@/lib/domain/vms/dto';
import { formatPercent } from '@/lib/format';
import { hostQueries } from '@/lib/queries/host-queries';
import { migrationQueries, useStartMigration } from '@/lib/queries/migrations';
import { MigrationEstimate } from './migration-estimate';
import { MigrationProgress } from './migration-progress';
import { targetUnfitReason } from './migration-rules';

function TargetPicker({
  vm,
  value,
  bestName,
  onChange,
}: {
  vm: VmDto;
  value: string;
  bestName?: string;
  onChange: (id: string) => void;
}) {
  const { data: hosts } = useQuery(hostQueries.choices());
  const site = hosts?.find((h) => h.id === vm.hostId)?.site;
  const fit = hosts?.filter((h) => !targetUnfitReason(h, vm, site)) ?? [];
  return (
    <SelectField
      label="Target host"
      name="targetHostId"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      hint={
        hosts && fit.length === 0
          ? `No other online host of site ${site ?? 'main'} outside maintenance can take this VM.`
          : value === 'best' && bestName
            ? `vmops picks ${bestName}: of the hosts with room that the placement rules allow, the one that leaves the cluster most balanced after the move.`
            : undefined
      }
    >
      <option value="best">Best host (chosen by vmops)</option>
      {hosts?.map((h) => {
        const why = targetUnfitReason(h, vm, site);
        return (
          <option key={h.id} value={h.id} disabled={Boolean(why)}>
            {h.name} —{' '}
            {why ??
              `CPU ${formatPercent(h.cpuPct, 0)}, ${formatPercent(h.memoryTotalBytes ? (h.memoryUsedBytes / h.memoryTotalBytes) * 100 : 0, 0)} memory used`}
          </option>
        );
      })}
    </SelectField>
  );
}

/** Pick a target, read the cost estimate, start; then follow the live progress (with Cancel) until it ends. */
export function MigrateDialog({ vm, onClose }: { vm: VmDto; onClose: () => void }) {
  const [target, setTarget] = useState('best');
  const [migrationId, setMigrationId] = useState<string | null>(null);
  const start = useStartMigration(vm.id);
  const estimate = useQuery({ ...migrationQueries.estimate(vm.id, target), enabled: !migrationId });
  const list = useQuery({ ...migrationQueries.list({ vmId: vm.id }), enabled: Boolean(migrationId) });
  const migration = list.data?.find((m) => m.id === migrationId);
  const done = migration && migration.state !== 'running';

  const begin = () => {
    if (!estimate.data) return;
    // "Best" is resolved by the estimate; start towards the host it showed so the figures match.
    start.mutate(target === 'best' ? estimate.data.targetHostId : target, {
      onSuccess: ({ migrationId: id }) => setMigrationId(id),
    });
  };

  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title={`Migrate ${vm.name}`}
      description={
        !migrationId
          ? `Move the running VM off ${vm.hostName} without stopping it.`
          : done
            ? 'The migration has ended.'
            : 'Live migration in progress: the VM keeps running.'
      }
      footer={
        migrationId ? (
          <Button variant={done ? 'primary' : 'secondary'} onClick={onClose}>
            {done ? 'Done' : 'Close (keeps running)'}
          </Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button
              variant="primary"
              onClick={begin}
              loading={start.isPending}
              disabled={!estimate.data || estimate.isPlaceholderData}
              disabledReason={estimate.isError ? 'No estimate for this target' : 'Waiting for the estimate'}
            >
              Start migration
            </Button>
          </>
        )
      }
    >
      {migrationId ? (
        migration ? (
          <MigrationProgress m={migration} />
        ) : (
          <Skeleton className="h-40" />
        )
      ) : (
        <div className="space-y-4">
          <TargetPicker
            vm={vm}
            value={target}
            onChange={setTarget}
            bestName={target === 'best' ? estimate.data?.targetHostName : undefined}
          />
          {estimate.data ? (
            <div
              data-stale={estimate.isPlaceholderData || undefined}
              className={estimate.isPlaceholderData ? 'opacity-50 transition-opacity' : undefined}
            >
              <MigrationEstimate e={estimate.data} />
            </div>
          ) : estimate.isError ? (
            <QueryError error={estimate.error} what="the estimate" onRetry={() => void estimate.refetch()} />
          ) : (
            <div role="status" aria-label="Measuring the dirty rate" className="space-y-2">
              <Skeleton className="h-16" />
              <Skeleton className="h-24" />
            </div>
          )}
        </div>
      )}
    </Dialog>
  );
}
