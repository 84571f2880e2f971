'use client';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { SortingState } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { KIND_STYLE, VERIFY_STYLE } from '@/components/charts/restore-point-timeline';
import { ButtonLink } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { FilterSelect } from '@/components/ui/form-field';
import { RestorePointIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { SearchBox, TableToolbar } from '@/components/ui/table-parts';
import { VirtualGrid, morePagesOf } from '@/components/ui/virtual-grid';
import { RESTORE_POINT_KINDS, VERIFY_STATES, type RestorePointKind, type VerifyState } from '@/lib/domain/backups/dto';
import { RESTORE_POINT_SORT_DEFAULT_ORDER, type RestorePointSort } from '@/lib/domain/backups/schemas';
import { VM_SEARCHABLE } from '@/lib/domain/vms/schemas';
import { useDebounced } from '@/lib/hooks/use-debounced';
import { backupQueries, type RestorePointListQuery } from '@/lib/queries/backup-queries';
import { RESTORE_POINT_COLUMNS } from './restore-point-columns';

const NEWEST_FIRST: SortingState = [{ id: 'taken', desc: true }];
const vmHref = (p: { vmId: string }) => `/vms/${p.vmId}`;
// "Taken within": the start of the range is fixed when it is chosen, so the query key holds still.
const WITHIN: Record<string, { label: string; ms: number }> = {
  '1d': { label: 'Last 24 hours', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000 },
};

/**
 * Every restore point in the cluster: the server filters (VM name, job, repository, kind,
 * verification, time), sorts and pages; the rows load as the list is scrolled.
 */
export function RestorePointsList() {
  const jobs = useQuery(backupQueries.jobs());
  const repositories = useQuery(backupQueries.repositories());
  const [search, setSearch] = useState('');
  const [kind, setKind] = useState<RestorePointKind | ''>('');
  const [verifyState, setVerifyState] = useState<VerifyState | ''>('');
  const [jobId, setJobId] = useState('');
  const [repositoryId, setRepositoryId] = useState('');
  const [within, setWithin] = useState<{ key: string; from?: string }>({ key: '' });
  const [sorting, setSorting] = useState<SortingState>(NEWEST_FIRST);
  const q = useDebounced(search.trim().toLowerCase());
  // Anything else cannot be in a VM's name (and the server refuses it): nothing matches.
  const searchable = VM_SEARCHABLE.test(q);

  const query: RestorePointListQuery = {
    q: q || undefined,
    kind: kind || undefined,
    verifyState: verifyState || undefined,
    jobId: jobId || undefined,
    repositoryId: repositoryId || undefined,
    from: within.from,
    sort: sorting[0].id as RestorePointSort,
    order: sorting[0].desc ? 'desc' : 'asc',
  };
  // The same options object while the filters stay: the flattened rows are then computed once.
  const key = JSON.stringify(query);
  const paged = useMemo(() => backupQueries.pointsPaged(JSON.parse(key) as RestorePointListQuery), [key]);
  const list = useInfiniteQuery({ ...paged, enabled: searchable });

  const filtersActive = Boolean(search || kind || verifyState || jobId || repositoryId || within.key);
  const clear = () => {
    setSearch('');
    setKind('');
    setVerifyState('');
    setJobId('');
    setRepositoryId('');
    setWithin({ key: '' });
  };
  const more = morePagesOf(list, searchable);

  return (
    <div className="overflow-clip rounded-lg border border-slate-200 bg-white shadow-xs">
      <TableToolbar>
        <SearchBox value={search} onChange={setSearch} placeholder="Filter by VM name…" label="Filter restore points" />
        <FilterSelect
          label="Kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as RestorePointKind | '')}
          options={RESTORE_POINT_KINDS.map((k) => ({ value: k, label: KIND_STYLE[k].label }))}
        />
        <FilterSelect
          label="Verification"
          value={verifyState}
          onChange={(e) => setVerifyState(e.target.value as VerifyState | '')}
          options={VERIFY_STATES.map((s) => ({ value: s, label: VERIFY_STYLE[s].label }))}
        />
        <FilterSelect
          label="Job"
          value={jobId}
          onChange={(e) => setJobId(e.target.value)}
          options={jobs.data?.map((j) => ({ value: j.id, label: j.name })) ?? []}
        />
        <FilterSelect
          label="Repository"
          value={repositoryId}
          onChange={(e) => setRepositoryId(e.target.value)}
          options={repositories.data?.map((r) => ({ value: r.id, label: r.name })) ?? []}
        />
        <FilterSelect
          label="Taken"
          value={within.key}
          onChange={(e) => {
            const w = WITHIN[e.target.value];
            setWithin({ key: e.target.value, from: w && new Date(Date.now() - w.ms).toISOString() });
          }}
        >
          <option value="">Any time</option>
          {Object.entries(WITHIN).map(([k, w]) => (
            <option key={k} value={k}>
              {w.label}
            </option>
          ))}
        </FilterSelect>
      </TableToolbar>
      <QueryState
        query={{ ...list, data: searchable ? list.data : [] }}
        what="restore points"
        skeleton={<SkeletonRows rows={6} />}
      >
        {(rows) =>
          rows.length === 0 && !filtersActive ? (
            <EmptyState
              icon={<RestorePointIcon />}
              title="No restore points yet"
              description="A backup job adds a point for each VM it backs up, each time it runs."
              action={
                <ButtonLink href="/backups" variant="secondary">
                  Go to backups
                </ButtonLink>
              }
            />
          ) : (
            <VirtualGrid
              label="Restore points"
              noun="restore points"
              rows={rows}
              columns={RESTORE_POINT_COLUMNS}
              defaultOrder={RESTORE_POINT_SORT_DEFAULT_ORDER}
              rowHref={vmHref}
              total={undefined}
              sorting={sorting}
              onSortingChange={setSorting}
              more={more}
              onClearFilters={clear}
            />
          )
        }
      </QueryState>
    </div>
  );
}
