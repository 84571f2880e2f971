'use client';
import { useMemo, useState, type ReactNode } from 'react';
import { cx } from '@/lib/cx';
import { cellClass, HeaderCell, NoMatchRow, SearchBox, TableToolbar, useRowClick } from './table-parts';

export type Column<T> = {
  id: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Makes the column sortable. */
  sortValue?: (row: T) => string | number | null | undefined;
  align?: 'left' | 'right';
  className?: string; // width / truncation for both th and td
};

type Sort = { id: string; desc: boolean };

type DataTableProps<T> = {
  label: string; // accessible name of the table
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** Enables the text filter: the text a row is matched against. */
  searchText?: (row: T) => string;
  searchPlaceholder?: string;
  toolbar?: ReactNode; // extra filter controls beside the text filter
  /** Shown when there are no rows at all (before filtering). */
  empty: ReactNode;
  /** True when outside filters (toolbar) are narrowing `rows`. */
  filtersActive?: boolean;
  onClearFilters?: () => void;
  initialSort?: Sort;
  rowHref?: (row: T) => string;
  dense?: boolean;
};

function compare(a: string | number | null | undefined, b: string | number | null | undefined): number {
  if (a == null) return b == null ? 0 : 1;
  if (b == null) return -1;
  return typeof a === 'number' && typeof b === 'number'
    ? a - b
    : String(a).localeCompare(String(b), undefined, { numeric: true });
}

export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  searchText,
  searchPlaceholder = 'Filter…',
  toolbar,
  empty,
  filtersActive,
  onClearFilters,
  initialSort,
  rowHref,
  dense,
}: DataTableProps<T>) {
  const onRowClick = useRowClick(rowHref);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<Sort | null>(initialSort ?? null);

  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    const filtered = q && searchText ? rows.filter((r) => searchText(r).toLowerCase().includes(q)) : rows;
    const get = sort ? columns.find((c) => c.id === sort.id)?.sortValue : undefined;
    if (!sort || !get) return filtered;
    const sign = sort.desc ? -1 : 1;
    return [...filtered].sort((a, b) => sign * compare(get(a), get(b)));
  }, [rows, query, searchText, sort, columns]);

  const toggleSort = (id: string) =>
    setSort((s) => (s?.id !== id ? { id, desc: false } : s.desc ? null : { id, desc: true }));

  const hasToolbar = Boolean(searchText || toolbar);
  const clear = () => {
    setQuery('');
    onClearFilters?.();
  };
  const pad = dense ? 'px-3 py-1.5' : 'px-3 py-2';

  return (
    <div className="overflow-clip rounded-lg border border-slate-200 bg-white shadow-xs">
      {hasToolbar && (
        <TableToolbar shown={visible.length} total={rows.length}>
          {searchText && (
            <SearchBox
              value={query}
              onChange={setQuery}
              placeholder={searchPlaceholder}
              label={`Filter ${label.toLowerCase()}`}
            />
          )}
          {toolbar}
        </TableToolbar>
      )}
      {rows.length === 0 && !filtersActive ? (
        empty
      ) : (
        <table aria-label={label} className="w-full table-auto border-collapse text-sm">
          <thead>
            <tr>
              {columns.map((c) => (
                <HeaderCell
                  key={c.id}
                  dir={sort?.id === c.id ? (sort.desc ? 'desc' : 'asc') : false}
                  onSort={c.sortValue ? () => toggleSort(c.id) : undefined}
                  align={c.align}
                  className={c.className}
                  pad={pad}
                >
                  {c.header}
                </HeaderCell>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {visible.map((row) => (
              <tr
                key={rowKey(row)}
                onClick={onRowClick(row)}
                className={cx('hover:bg-slate-50', rowHref && 'cursor-pointer')}
              >
                {columns.map((c) => (
                  <td key={c.id} className={cellClass(pad, c.align, c.className)}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
            {visible.length === 0 && <NoMatchRow colSpan={columns.length} onClear={clear} />}
          </tbody>
        </table>
      )}
    </div>
  );
}
