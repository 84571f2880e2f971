'use client';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { StateBadge } from '@/components/ui/badge';
import { DataTable, type Column } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/empty-state';
import { FilterSelect, inputClasses } from '@/components/ui/form-field';
import { AuditIcon } from '@/components/ui/icons';
import { LoadOlder } from '@/components/ui/load-older';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import type { AuditEventDto } from '@/lib/domain/audit/dto';
import { formatDateTime, formatRelativeTime } from '@/lib/format';
import { useDebounced } from '@/lib/hooks/use-debounced';
import { auditQueries } from '@/lib/queries/audit-queries';
import { AuditDetail, AuditTarget } from './audit-cells';

const RESULTS: AuditEventDto['result'][] = ['accepted', 'succeeded', 'failed', 'denied'];

const COLUMNS: Column<AuditEventDto>[] = [
  {
    id: 'at',
    header: 'Time',
    sortValue: (e) => e.id,
    className: 'w-40 whitespace-nowrap',
    cell: (e) => (
      <time dateTime={e.at} title={formatRelativeTime(e.at)} className="tabular-nums">
        {formatDateTime(e.at)}
      </time>
    ),
  },
  {
    id: 'actor',
    header: 'Who',
    sortValue: (e) => e.actorName,
    cell: (e) => <span className="font-medium text-slate-800">{e.actorName}</span>,
  },
  {
    id: 'action',
    header: 'Action',
    sortValue: (e) => e.action,
    cell: (e) => <code className="font-mono text-xs text-slate-700">{e.action}</code>,
  },
  {
    id: 'target',
    header: 'Target',
    sortValue: (e) => e.targetName ?? e.targetId,
    className: 'max-w-56',
    cell: (e) => <AuditTarget event={e} />,
  },
  { id: 'result', header: 'Result', sortValue: (e) => e.result, cell: (e) => <StateBadge state={e.result} /> },
  { id: 'detail', header: 'Detail', className: 'max-w-72', cell: (e) => <AuditDetail detail={e.detail} /> },
];

function TextFilter({
  label,
  value,
  onChange,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  placeholder: string;
}) {
  return (
    <label className="flex items-center gap-2 text-xs font-medium text-slate-600">
      {label}
      <input
        type="search"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        className={inputClasses(false, 'w-36 py-1 text-xs')}
      />
    </label>
  );
}

export function AuditTable() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [result, setResult] = useState<AuditEventDto['result'] | ''>('');
  const actorQ = useDebounced(actor.trim());
  const actionQ = useDebounced(action.trim());
  const query = useInfiniteQuery(
    auditQueries.list({ actor: actorQ || undefined, action: actionQ || undefined, result: result || undefined }),
  );
  const active = Boolean(actor || action || result);

  return (
    <QueryState query={query} what="the audit log" skeleton={<SkeletonRows rows={10} />}>
      {(events) => (
        <>
          <DataTable
            label="Audit events"
            rows={events}
            columns={COLUMNS}
            rowKey={(e) => String(e.id)}
            dense
            initialSort={{ id: 'at', desc: true }}
            filtersActive={active}
            onClearFilters={() => {
              setActor('');
              setAction('');
              setResult('');
            }}
            toolbar={
              <>
                <TextFilter label="Who" value={actor} onChange={setActor} placeholder="username" />
                <TextFilter label="Action" value={action} onChange={setAction} placeholder="vm.delete" />
                <FilterSelect
                  label="Result"
                  value={result}
                  onChange={(e) => setResult(e.target.value as AuditEventDto['result'] | '')}
                >
                  <option value="">All</option>
                  {RESULTS.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </FilterSelect>
              </>
            }
            empty={
              <EmptyState
                icon={<AuditIcon />}
                title="No audit events yet"
                description="Every sign-in and every change (accepted, refused or failed) is recorded here, chained so edits show."
              />
            }
          />
          <LoadOlder query={query} what="events" />
        </>
      )}
    </QueryState>
  );
}
