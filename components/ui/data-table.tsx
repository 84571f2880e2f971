'use client';
import { useRouter } from 'next/navigation';
import { useMemo, useState, type MouseEvent, type ReactNode } from 'react';
import { cx } from '@/lib/cx';
import { Button } from './button';
import { SearchIcon, SortIcon } from './icons';
import { inputClasses } from './form-field';

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
  const router = useRouter();
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

  const onRowClick = (row: T) => (e: MouseEvent) => {
    if (!rowHref || (e.target as HTMLElement).closest('a,button,input,select,label')) return;
    router.push(rowHref(row));
  };

  const hasToolbar = Boolean(searchText || toolbar);
  const clear = () => {
    setQuery('');
    onClearFilters?.();
  };
  const pad = dense ? 'px-3 py-1.5' : 'px-3 py-2';

  return (
    <div className="overflow-clip rounded-lg border border-slate-200 bg-white shadow-xs">
      {hasToolbar && (
        <div className="flex flex-wrap items-center gap-3 border-b border-slate-100 px-3 py-2">
          {searchText && (
            <div className="relative w-64">
              <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 -translate-y-1/2 text-slate-400" />
              <input
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder={searchPlaceholder}
                aria-label={`Filter ${label.toLowerCase()}`}
                className={inputClasses(false, 'py-1 pl-8 text-xs')}
              />
            </div>
          )}
          {toolbar}
          <span className="ml-auto text-xs text-slate-500 tabular-nums">
            {visible.length === rows.length ? `${rows.length} total` : `${visible.length} of ${rows.length}`}
          </span>
        </div>
      )}
      {rows.length === 0 && !filtersActive ? (
        empty
      ) : (
        <table aria-label={label} className="w-full table-auto border-collapse text-sm">
          <thead>
            <tr>
              {columns.map((c) => {
                const dir = sort?.id === c.id ? (sort.desc ? 'desc' : 'asc') : false;
                return (
                  <th
                    key={c.id}
                    scope="col"
                    aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined}
                    className={cx(
                      'sticky top-[var(--header-h)] z-10 border-b border-slate-200 bg-slate-50/95 text-xs font-medium whitespace-nowrap text-slate-500 backdrop-blur',
                      pad,
                      c.align === 'right' ? 'text-right' : 'text-left',
                      c.className,
                    )}
                  >
                    {c.sortValue ? (
                      <button
                        type="button"
                        onClick={() => toggleSort(c.id)}
                        className={cx(
                          'inline-flex items-center gap-1 rounded hover:text-slate-900',
                          c.align === 'right' && 'flex-row-reverse',
                        )}
                      >
                        {c.header}
                        <SortIcon sortDir={dir} />
                      </button>
                    ) : (
                      c.header
                    )}
                  </th>
                );
              })}
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
                  <td
                    key={c.id}
                    className={cx(
                      pad,
                      'align-middle text-slate-700',
                      c.align === 'right' && 'text-right tabular-nums',
                      c.className,
                    )}
                  >
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
            {visible.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="px-3 py-10 text-center text-sm text-slate-500">
                  Nothing matches these filters.{' '}
                  <Button variant="ghost" size="sm" onClick={clear}>
                    Clear filters
                  </Button>
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
