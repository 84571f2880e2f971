'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { OpenDialogButton } from '@/components/backups/backup-buttons';
import { useTaskWatch } from '@/components/snapshots/use-task-watch';
import { EmptyState } from '@/components/ui/empty-state';
import { DrIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { QueryError } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import { drQueries } from '@/lib/queries/dr';
import { JobDetail } from './job-detail';
import { JobsTable } from './jobs-table';
import { PlansSection } from './plans-section';
import { ProtectDialog } from './protect-dialog';
import { SitesPanel } from './sites-panel';

/** /dr: sites, protected VMs with their RPO, the DR controls, and the chosen job's lag and points. */
export function DrPage() {
  const overview = useQuery(drQueries.overview());
  const { watch, watchers } = useTaskWatch();
  const [protecting, setProtecting] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const o = overview.data;
  const job = o?.jobs.find((j) => j.id === selected) ?? o?.jobs[0];
  const protect = (label: string) => (
    <OpenDialogButton action="dr.manage" label={label} onOpen={() => setProtecting(true)} />
  );

  return (
    <>
      <PageHeader
        title="Disaster recovery"
        description="Protected VMs are copied to a host of another site every interval, changed blocks only. If their site is lost, fail over: the replica starts from a point. Test failovers boot a throwaway copy."
        actions={protect('Protect a VM')}
      />
      {overview.isError && !o ? (
        <QueryError error={overview.error} what="the DR state" onRetry={() => void overview.refetch()} />
      ) : !o ? (
        <Skeleton className="h-96" />
      ) : (
        <div className="space-y-5" data-testid="dr-page">
          <SitesPanel sites={o.sites} />
          <section aria-label="Protected VMs" className="space-y-2">
            <h2 className="text-sm font-semibold text-slate-900">Protected VMs</h2>
            <JobsTable
              jobs={o.jobs}
              watch={watch}
              empty={
                <EmptyState
                  icon={<DrIcon />}
                  title="No VM is protected yet"
                  description={
                    o.sites.length < 2
                      ? 'Replication needs a second site: start an agent with --site <name> and its own shared directory.'
                      : 'Choose a VM and a host of another site; the first run copies its disk, later runs only the changes.'
                  }
                  action={protect('Protect a VM')}
                />
              }
            />
          </section>
          {job && <JobDetail jobs={o.jobs} job={job} windowSec={o.windowSec} onSelect={setSelected} />}
          <PlansSection jobs={o.jobs} />
        </div>
      )}
      {protecting && o && <ProtectDialog overview={o} onClose={() => setProtecting(false)} />}
      {watchers}
    </>
  );
}
