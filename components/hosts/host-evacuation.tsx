'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { MigrationsTable } from '@/components/migrations/migrations-table';
import { useRefreshWhenMigrationsEnd } from '@/components/migrations/vm-migrations';
import { TaskProgress } from '@/components/tasks/task-progress';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { migrationQueries } from '@/lib/queries/migrations';
import { taskQueries } from '@/lib/queries/task-queries';
import { useRefreshAfterTask } from '@/lib/queries/vm-mutations';
import { currentMaintenanceTask, maintenanceMoves } from '@/components/migrations/migration-rules';

/**
 * The maintenance task of this host and the moves it made: VMs leaving on entry, coming back on
 * exit. Shown while the host is in maintenance or its maintenance task is still on screen.
 */
export function HostEvacuation({ host }: { host: HostDto }) {
  const tasks = useQuery(taskQueries.list({ targetId: host.id }));
  const refresh = useRefreshAfterTask();
  const [dismissed, setDismissed] = useState<string | null>(null);
  const found = currentMaintenanceTask(tasks.data, Date.now());
  const task = found && found.id !== dismissed ? found : null;
  const migrations = useQuery(migrationQueries.list());
  useRefreshWhenMigrationsEnd(migrations.data);
  const since = Math.min(
    ...[host.maintenanceSince, task?.createdAt].filter((t): t is string => Boolean(t)).map(Date.parse),
  );
  const moves = maintenanceMoves(migrations.data ?? [], host.id, since);
  if (!task && !host.maintenance) return null;

  return (
    <section
      aria-label="Maintenance"
      data-testid="host-evacuation"
      className="space-y-3 rounded-lg border border-amber-200 bg-amber-50/50 p-4"
    >
      <div>
        <h2 className="text-sm font-semibold text-slate-900">
          {host.maintenance ? 'In maintenance' : 'Leaving maintenance'}
        </h2>
        <p className="text-xs text-slate-600">
          {host.maintenance
            ? `New VMs and the load balancer avoid ${host.name}. ${moves.length > 0 ? 'Its VMs were moved to other hosts:' : ''}`
            : `${host.name} takes new VMs again.`}
        </p>
      </div>
      {task && (
        <TaskProgress
          key={task.id}
          taskId={task.id}
          onFinished={() => void refresh()}
          onDismiss={() => setDismissed(task.id)}
        />
      )}
      {moves.length > 0 && (
        <MigrationsTable migrations={moves} variant="host" empty={{ title: 'Nothing moved', description: '' }} />
      )}
    </section>
  );
}
