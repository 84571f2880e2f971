'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { isHostUp } from '@/components/hosts/host-math';
import { Spinner } from '@/components/ui/button';
import { hostQueries } from '@/lib/queries/host-queries';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';

export function TopBar() {
  const hosts = useQuery(hostQueries.list());
  const tasks = useQuery(taskQueries.list());
  const online = hosts.data?.filter(isHostUp).length ?? 0;
  const running = hosts.data?.reduce((n, h) => n + h.runningVmCount, 0) ?? 0;
  const total = hosts.data?.reduce((n, h) => n + h.vmCount, 0) ?? 0;
  const active = tasks.data?.filter(isTaskActive).length ?? 0;

  return (
    <header className="flex h-12 shrink-0 items-center gap-5 border-b border-slate-200 bg-white px-6 text-xs text-slate-600">
      {hosts.data && (
        <>
          <span className="tabular-nums">
            <span className={online === hosts.data.length ? 'text-emerald-600' : 'text-amber-600'}>●</span> {online}/
            {hosts.data.length} hosts online
          </span>
          <span className="tabular-nums">
            {running}/{total} VMs running
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
