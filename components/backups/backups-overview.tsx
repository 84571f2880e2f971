'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { ImageIcon, TaskIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { QueryError, QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { Stat } from '@/components/ui/stat';
import type { ProtectionStatus, VmProtectionDto } from '@/lib/domain/backups/dto';
import { backupQueries } from '@/lib/queries/backup-queries';
import { BackupCharts } from './backup-charts';
import { OpenDialogButton, type BackupDialog } from './backup-buttons';
import { JobFormDialog } from './job-form-dialog';
import { RegisterRepositoryDialog } from './register-repository-dialog';
import { JobsTable } from './jobs-table';
import { ProtectionTable } from './protection-table';
import { RepositoriesTable } from './repositories-table';

const SUMMARY: { status: ProtectionStatus; label: string; color: string }[] = [
  { status: 'protected', label: 'Protected', color: 'text-emerald-700' },
  { status: 'late', label: 'Late', color: 'text-amber-700' },
  { status: 'failed', label: 'Failed', color: 'text-red-700' },
  { status: 'unprotected', label: 'Unprotected', color: 'text-slate-600' },
];

function ProtectionSummary({ rows }: { rows: VmProtectionDto[] }) {
  return (
    <dl
      className="grid grid-cols-4 gap-4 rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-xs"
      data-testid="protection-summary"
    >
      {SUMMARY.map((s) => (
        <Stat
          key={s.status}
          label={s.label}
          value={<span className={s.color}>{rows.filter((r) => r.status === s.status).length}</span>}
          hint={`of ${rows.length} VM${rows.length === 1 ? '' : 's'}`}
        />
      ))}
    </dl>
  );
}

/** The backups page: protection at a glance, jobs, VM protection, repositories and history charts. */
export function BackupsOverview() {
  const repos = useQuery(backupQueries.repositories());
  const jobs = useQuery(backupQueries.jobs());
  const protection = useQuery(backupQueries.protection());
  // Sections that hold dialogs render once the repositories are known, so an open dialog is not
  // unmounted by the switch between the empty state and the tables.
  const noRepo = repos.data?.length === 0;
  const hasRepo = Boolean(repos.data?.length);
  const [dialog, setDialog] = useState<BackupDialog>(null);
  const newJob = (label: string) => (
    <OpenDialogButton action="backup.manage" label={label} onOpen={() => setDialog('job')} />
  );
  const newRepo = (label: string) => (
    <OpenDialogButton action="repository.manage" label={label} onOpen={() => setDialog('repository')} />
  );

  return (
    <>
      <PageHeader
        title="Backups"
        description="Scheduled full and incremental backups of running VMs, and how well each VM is protected."
        actions={hasRepo ? newJob('New backup job') : undefined}
      />
      <div className="space-y-5">
        {noRepo && (
          <Card>
            <EmptyState
              icon={<ImageIcon />}
              title="Register a backup repository first"
              description="Backups are written to a directory on shared storage (restorable on any host) or on one host's disk. Register one, then create a job."
              action={newRepo('Register a repository')}
            />
          </Card>
        )}
        {protection.data && protection.data.length > 0 && <ProtectionSummary rows={protection.data} />}
        {repos.isError && <QueryError error={repos.error} what="repositories" onRetry={() => void repos.refetch()} />}
        {!repos.data && !repos.isError && <SkeletonRows rows={4} />}
        {hasRepo && (
          <section aria-label="Backup jobs" className="space-y-2">
            <h2 className="text-sm font-semibold text-slate-900">Jobs</h2>
            <QueryState query={jobs} what="backup jobs" skeleton={<SkeletonRows rows={3} />}>
              {(list) => (
                <JobsTable
                  jobs={list}
                  empty={
                    <EmptyState
                      icon={<TaskIcon />}
                      title="No backup jobs yet"
                      description="A job backs up VMs chosen by name or tag on a schedule, and keeps restore points by a retention policy."
                      action={newJob('Create a backup job')}
                    />
                  }
                />
              )}
            </QueryState>
          </section>
        )}
        <section aria-label="VM protection" className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-900">VM protection</h2>
          <QueryState query={protection} what="protection status" skeleton={<SkeletonRows rows={3} />}>
            {(rows) => <ProtectionTable rows={rows} />}
          </QueryState>
        </section>
        {jobs.data && repos.data && <BackupCharts jobs={jobs.data} repositories={repos.data} />}
        {hasRepo && (
          <Card aria-label="Repositories">
            <CardHeader
              title="Repositories"
              description="Where restore points are stored."
              actions={newRepo('Register repository')}
            />
            <div className="[&>div]:rounded-none [&>div]:border-0 [&>div]:shadow-none">
              <RepositoriesTable repositories={repos.data ?? []} />
            </div>
          </Card>
        )}
      </div>
      {dialog === 'repository' && <RegisterRepositoryDialog onClose={() => setDialog(null)} />}
      {dialog === 'job' && <JobFormDialog onClose={() => setDialog(null)} />}
    </>
  );
}
