'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { StateBadge } from '@/components/ui/badge';
import { DataTable, type Column } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/empty-state';
import { FilterSelect } from '@/components/ui/form-field';
import { VmIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { VM_STATE, type VmDto, type VmState } from '@/lib/domain/vms/dto';
import { formatDateTime, formatMiB, formatPercent, formatRelativeTime } from '@/lib/format';
import { hostQueries } from '@/lib/queries/host-queries';
import { vmQueries } from '@/lib/queries/vm-queries';
import { CreateVmButton } from './create-vm-button';
import { VmDrLabel } from '@/components/dr/vm-dr-label';
import { VmTags } from './vm-tags';

function columns(showHost: boolean): Column<VmDto>[] {
  const all: (Column<VmDto> | false)[] = [
    {
      id: 'name',
      header: 'Name',
      sortValue: (v) => v.name,
      className: 'max-w-56',
      cell: (v) => (
        <>
          <Link href={`/vms/${v.id}`} className="block truncate font-medium text-slate-900 hover:text-accent-700">
            {v.name}
          </Link>
          <VmDrLabel vm={v} line />
        </>
      ),
    },
    {
      id: 'state',
      header: 'State',
      sortValue: (v) => v.state,
      cell: (v) => <StateBadge state={v.state} title={v.lastError ?? v.guestWarning ?? undefined} />,
    },
    showHost && {
      id: 'host',
      header: 'Host',
      sortValue: (v) => v.hostName,
      cell: (v) => (
        <Link href={`/hosts/${v.hostId}`} className="hover:text-accent-700 hover:underline">
          {v.hostName}
        </Link>
      ),
    },
    {
      id: 'image',
      header: 'Image',
      sortValue: (v) => v.imageLabel,
      className: 'max-w-40 truncate',
      cell: (v) => v.imageLabel ?? <span className="text-slate-400">—</span>,
    },
    { id: 'vcpus', header: 'vCPUs', align: 'right', sortValue: (v) => v.vcpus, cell: (v) => v.vcpus },
    {
      id: 'memory',
      header: 'Memory',
      align: 'right',
      sortValue: (v) => v.memoryMiB,
      cell: (v) => formatMiB(v.memoryMiB),
    },
    {
      id: 'cpu',
      header: 'CPU',
      align: 'right',
      sortValue: (v) => (v.state === 'running' ? v.cpuPct : -1),
      cell: (v) => (v.state === 'running' ? formatPercent(v.cpuPct) : <span className="text-slate-400">—</span>),
    },
    { id: 'tags', header: 'Tags', className: 'max-w-44', cell: (v) => <VmTags tags={v.tags} max={3} /> },
    {
      id: 'created',
      header: 'Created',
      align: 'right',
      sortValue: (v) => Date.parse(v.createdAt),
      cell: (v) => <span title={formatDateTime(v.createdAt)}>{formatRelativeTime(v.createdAt)}</span>,
    },
  ];
  return all.filter((c): c is Column<VmDto> => Boolean(c));
}

/** All VMs (with a host filter), or the VMs of one host when `hostId` is given. */
export function VmsTable({ hostId }: { hostId?: string }) {
  const query = useQuery(vmQueries.complete(hostId ? { hostId } : {}));
  const hosts = useQuery({ ...hostQueries.list(), enabled: !hostId });
  const [state, setState] = useState<VmState | ''>('');
  const [host, setHost] = useState('');

  return (
    <QueryState query={query} what="virtual machines" skeleton={<SkeletonRows rows={6} />}>
      {(vms) => {
        const rows = vms.filter((v) => (!state || v.state === state) && (!host || v.hostId === host));
        return (
          <DataTable
            label="Virtual machines"
            rows={rows}
            columns={columns(!hostId)}
            rowKey={(v) => v.id}
            rowHref={(v) => `/vms/${v.id}`}
            searchText={(v) => `${v.name} ${v.id} ${v.imageLabel ?? ''} ${v.hostName} ${v.tags.join(' ')}`}
            searchPlaceholder="Filter by name, image, tag…"
            initialSort={{ id: 'name', desc: false }}
            filtersActive={Boolean(state || host)}
            onClearFilters={() => {
              setState('');
              setHost('');
            }}
            toolbar={
              <>
                <FilterSelect label="State" value={state} onChange={(e) => setState(e.target.value as VmState | '')}>
                  <option value="">All</option>
                  {Object.values(VM_STATE).map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </FilterSelect>
                {!hostId && (
                  <FilterSelect label="Host" value={host} onChange={(e) => setHost(e.target.value)}>
                    <option value="">All</option>
                    {hosts.data?.map((h) => (
                      <option key={h.id} value={h.id}>
                        {h.name}
                      </option>
                    ))}
                  </FilterSelect>
                )}
              </>
            }
            empty={
              <EmptyState
                icon={<VmIcon />}
                title={hostId ? 'No VMs on this host' : 'No VMs yet — create one from an image'}
                description="A VM gets a copy-on-write disk on top of a ready image and starts right away."
                action={<CreateVmButton hostId={hostId} label="Create a VM" />}
              />
            }
          />
        );
      }}
    </QueryState>
  );
}
