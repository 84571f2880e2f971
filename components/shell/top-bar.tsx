'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Spinner } from '@/components/ui/button';
import { hostQueries } from '@/lib/queries/host-queries';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';

export function TopBar() {
  const { data: fleet } = useQuery(hostQueries.summary());
  const tasks = useQuery(taskQueries.list());
  const active = tasks.data?.filter(isTaskActive).length ?? 0;

  return (
    <header className="flex h-12 shrink-0 items-center gap-5 border-b border-slate-200 bg-white px-6 text-xs text-slate-600">
      {fleet && (
        <>
          <span className="tabular-nums">
            <span className={fleet.up === fleet.hosts ? 'text-emerald-600' : 'text-amber-600'}>●</span> {fleet.up}/
            {fleet.hosts} hosts online
          </span>
          <span className="tabular-nums">
            {fleet.runningVmCount}/{fleet.vmCount} VMs running
          </span>
        </>
      )}
      <Link href="/tasks" className="ml-auto inline-flex items-center gap-2 rounded-md px-2 py-1 hover:bg-slate-100">
        {active > 0 ? (
          <>
            <Spinner className="text-accent-600" />
            <span className="tabular-nums">
              {active} task{active === 1 ? '' : 's'} running
            </span>
          </>
        ) : (
          <span>No tasks running</span>
        )}
      </Link>
    </header>
  );
}
