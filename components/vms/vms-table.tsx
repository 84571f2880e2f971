'use client';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { SortingState } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { EmptyState } from '@/components/ui/empty-state';
import { FilterSelect } from '@/components/ui/form-field';
import { VmIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { SearchBox, TableToolbar } from '@/components/ui/table-parts';
import { VirtualGrid, morePagesOf } from '@/components/ui/virtual-grid';
import { VM_STATE, type VmDto, type VmState } from '@/lib/domain/vms/dto';
import { VM_SEARCHABLE, VM_SORT_DEFAULT_ORDER, type VmSort } from '@/lib/domain/vms/schemas';
import { useDebounced } from '@/lib/hooks/use-debounced';
import { hostQueries } from '@/lib/queries/host-queries';
import { vmQueries, type VmListFilters, type VmListOrder } from '@/lib/queries/vm-queries';
import { CreateVmButton } from './create-vm-button';
import { vmColumns } from './vm-columns';

const NAME_ORDER: SortingState = [{ id: 'name', desc: false }];
const vmHref = (vm: VmDto) => `/vms/${vm.id}`;

/**
 * All VMs (with state, host and site filters), or the VMs of one host when `hostId` is given.
 * The server filters, sorts and pages; the rows load as the list is scrolled.
 */
export function VmsTable({ hostId }: { hostId?: string }) {
  const hosts = useQuery({ ...hostQueries.choices(), enabled: !hostId, refetchInterval: false });
  const [search, setSearch] = useState('');
  const [state, setState] = useState<VmState | ''>('');
  const [host, setHost] = useState('');
  const [site, setSite] = useState('');
  const [sorting, setSorting] = useState<SortingState>(NAME_ORDER);
  const q = useDebounced(search.trim().toLowerCase());
  // Anything else cannot be in a VM's name or id (and the server refuses it): nothing matches.
  const searchable = VM_SEARCHABLE.test(q);

  const filters: VmListFilters = {
    q: q || undefined,
    state: state || undefined,
    hostId: hostId ?? (host || undefined),
    site: site || undefined,
  };
  const order: VmListOrder = { sort: sorting[0].id as VmSort, order: sorting[0].desc ? 'desc' : 'asc' };
  // The same options object while the filters stay: the flattened rows are then computed once.
  const key = JSON.stringify({ ...filters, ...order });
  const paged = useMemo(() => vmQueries.paged(JSON.parse(key) as VmListFilters & VmListOrder), [key]);
  const list = useInfiniteQuery({ ...paged, enabled: searchable });
  const matching = useQuery({ ...vmQueries.count(filters), enabled: searchable });
  const total = useQuery(vmQueries.count(hostId ? { hostId } : {}));
  const columns = useMemo(() => vmColumns(!hostId), [hostId]);
  const sites = [...new Set(hosts.data?.map((h) => h.site))].sort();

  const filtersActive = Boolean(search || state || host || site);
  const clear = () => {
    setSearch('');
    setState('');
    setHost('');
    setSite('');
  };
  const more = morePagesOf(list, searchable);

  return (
    <div className="overflow-clip rounded-lg border border-slate-200 bg-white shadow-xs">
      <TableToolbar shown={searchable ? matching.data : 0} total={total.data}>
        <SearchBox
          value={search}
          onChange={setSearch}
          placeholder="Filter by name or id…"
          label="Filter virtual machines"
        />
        <FilterSelect
          label="State"
          value={state}
          onChange={(e) => setState(e.target.value as VmState | '')}
          options={Object.values(VM_STATE).map((s) => ({ value: s, label: s }))}
        />
        {!hostId && (
          <FilterSelect
            label="Host"
            value={host}
            onChange={(e) => setHost(e.target.value)}
            options={hosts.data?.map((h) => ({ value: h.id, label: h.name })) ?? []}
          />
        )}
        {!hostId && (
          <FilterSelect
            label="Site"
            value={site}
            onChange={(e) => setSite(e.target.value)}
            options={sites.map((s) => ({ value: s, label: s }))}
          />
        )}
      </TableToolbar>
      <QueryState
        query={{ ...list, data: searchable ? list.data : [] }}
        what="virtual machines"
        skeleton={<SkeletonRows rows={6} />}
      >
        {(rows) =>
          rows.length === 0 && !filtersActive ? (
            <EmptyState
              icon={<VmIcon />}
              title={hostId ? 'No VMs on this host' : 'No VMs yet — create one from an image'}
              description="A VM gets a copy-on-write disk on top of a ready image and starts right away."
              action={<CreateVmButton hostId={hostId} label="Create a VM" />}
            />
          ) : (
            <VirtualGrid
              label="Virtual machines"
              noun="VMs"
              rows={rows}
              columns={columns}
              defaultOrder={VM_SORT_DEFAULT_ORDER}
              rowHref={vmHref}
              total={searchable ? matching.data : 0}
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
