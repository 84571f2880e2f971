'use client';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { SortingState } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { EmptyState } from '@/components/ui/empty-state';
import { FilterSelect } from '@/components/ui/form-field';
import { HostIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { SearchBox, TableToolbar } from '@/components/ui/table-parts';
import { VirtualGrid, morePagesOf } from '@/components/ui/virtual-grid';
import { HOST_SORT_DEFAULT_ORDER, HOST_STATUS_FILTERS, type HostSort } from '@/lib/domain/hosts/schemas';
import { useDebounced } from '@/lib/hooks/use-debounced';
import { useNow } from '@/lib/hooks/use-now';
import { hostQueries, type HostListQuery } from '@/lib/queries/host-queries';
import { AddHostButton } from './add-host-button';
import { hostColumns } from './host-columns';

const BY_NAME: SortingState = [{ id: 'name', desc: false }];
const SEARCHABLE = /^[a-z0-9-]*$/; // what host names are made of (the server refuses anything else)
const STATUS_LABEL = { online: 'Online', offline: 'Offline', maintenance: 'In maintenance' } as const;
const hostHref = (h: { id: string }) => `/hosts/${h.id}`;

/**
 * Every enrolled host: the server filters (name, status, site), sorts and pages; the rows load as
 * the list is scrolled, so a fleet of thousands opens as fast as a handful.
 */
export function HostsTable() {
  const fleet = useQuery(hostQueries.summary());
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<HostListQuery['status'] | ''>('');
  const [site, setSite] = useState('');
  const [sorting, setSorting] = useState<SortingState>(BY_NAME);
  const q = useDebounced(search.trim().toLowerCase());
  const searchable = SEARCHABLE.test(q);
  const now = useNow(5000);
  const columns = useMemo(() => hostColumns(now), [now]);

  const query: HostListQuery = {
    q: q || undefined,
    status: status || undefined,
    site: site || undefined,
    sort: sorting[0].id as HostSort,
    order: sorting[0].desc ? 'desc' : 'asc',
  };
  // The same options object while the filters stay: the flattened rows are then computed once.
  const key = JSON.stringify(query);
  const paged = useMemo(() => hostQueries.paged(JSON.parse(key) as HostListQuery), [key]);
  const list = useInfiniteQuery({ ...paged, enabled: searchable });
  const filtersActive = Boolean(search || status || site);
  const clear = () => {
    setSearch('');
    setStatus('');
    setSite('');
  };

  return (
    <div className="overflow-clip rounded-lg border border-slate-200 bg-white shadow-xs">
      <TableToolbar>
        <SearchBox value={search} onChange={setSearch} placeholder="Filter by host name…" label="Filter hosts" />
        <FilterSelect
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as HostListQuery['status'] | '')}
          options={HOST_STATUS_FILTERS.map((s) => ({ value: s, label: STATUS_LABEL[s] }))}
        />
        <FilterSelect
          label="Site"
          value={site}
          onChange={(e) => setSite(e.target.value)}
          options={(fleet.data?.sites ?? []).map((s) => ({ value: s, label: s }))}
        />
      </TableToolbar>
      <QueryState
        query={{ ...list, data: searchable ? list.data : [] }}
        what="hosts"
        skeleton={<SkeletonRows rows={4} />}
      >
        {(rows) =>
          rows.length === 0 && !filtersActive ? (
            <EmptyState
              icon={<HostIcon />}
              title="No hosts enrolled yet"
              description="Add a host to get a one-time token and the command to start its agent on a machine with QEMU; it appears here once the agent has enrolled."
              action={<AddHostButton label="Add a host" />}
            />
          ) : (
            <VirtualGrid
              label="Hosts"
              noun="hosts"
              rows={rows}
              columns={columns}
              defaultOrder={HOST_SORT_DEFAULT_ORDER}
              rowHref={hostHref}
              total={filtersActive ? undefined : fleet.data?.hosts}
              sorting={sorting}
              onSortingChange={setSorting}
              more={morePagesOf(list, searchable)}
              onClearFilters={clear}
            />
          )
        }
      </QueryState>
    </div>
  );
}
