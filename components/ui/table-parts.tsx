'use client';
// Pieces shared by the tables that sort and filter in the browser (DataTable) and the ones whose
// server does (the VM list): the same search box, header cells and clickable rows everywhere.
import { useRouter } from 'next/navigation';
import type { MouseEvent, ReactNode } from 'react';
import { cx } from '@/lib/cx';
import { Button } from './button';
import { inputClasses } from './form-field';
import { SearchIcon, SortIcon } from './icons';

export type SortDir = 'asc' | 'desc' | false;

export function SearchBox({
  value,
  onChange,
  placeholder,
  label,
}: {
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  label: string; // accessible name
}) {
  return (
    <div className="relative w-64">
      <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 -translate-y-1/2 text-slate-400" />
      <input
        type="search"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        aria-label={label}
        className={inputClasses(false, 'py-1 pl-8 text-xs')}
      />
    </div>
  );
}

/** A column header, sticky under the top bar; a button that sorts when `onSort` is given. */
export function HeaderCell({
  children,
  dir = false,
  onSort,
  align,
  className,
  pad,
}: {
  children: ReactNode;
  dir?: SortDir;
  onSort?: () => void;
  align?: 'left' | 'right';
  className?: string;
  pad: string;
}) {
  return (
    <th
      scope="col"
      aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined}
      className={cx(
        'sticky top-[var(--header-h)] z-10 border-b border-slate-200 bg-slate-50/95 text-xs font-medium whitespace-nowrap text-slate-500 backdrop-blur',
        pad,
        align === 'right' ? 'text-right' : 'text-left',
        className,
      )}
    >
      {onSort ? (
        <button
          type="button"
          onClick={onSort}
          className={cx(
            'inline-flex items-center gap-1 rounded hover:text-slate-900',
            align === 'right' && 'flex-row-reverse',
          )}
        >
          {children}
          <SortIcon sortDir={dir} />
        </button>
      ) : (
        children
      )}
    </th>
  );
}

/** A click on a row (not on a link or control in it) opens the row's page. */
export function useRowClick<T>(rowHref: ((row: T) => string) | undefined) {
  const router = useRouter();
  return (row: T) => (e: MouseEvent) => {
    if (!rowHref || (e.target as HTMLElement).closest('a,button,input,select,label')) return;
    router.push(rowHref(row));
  };
}

/** The filters above a table and, at the right, how many rows it has or the filters keep. */
export function TableToolbar({ children, shown, total }: { children: ReactNode; shown?: number; total?: number }) {
  return (
    <div className="flex flex-wrap items-center gap-3 border-b border-slate-100 px-3 py-2">
      {children}
      <span className="ml-auto text-xs text-slate-500 tabular-nums">
        {total === undefined ? '' : shown === undefined || shown === total ? `${total} total` : `${shown} of ${total}`}
      </span>
    </div>
  );
}

export const cellClass = (pad: string, align?: 'left' | 'right', className?: string) =>
  cx(pad, 'align-middle text-slate-700', align === 'right' && 'text-right tabular-nums', className);

export function NoMatchRow({ colSpan, onClear }: { colSpan: number; onClear: () => void }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-3 py-10 text-center text-sm text-slate-500">
        Nothing matches these filters.{' '}
        <Button variant="ghost" size="sm" onClick={onClear}>
          Clear filters
        </Button>
      </td>
    </tr>
  );
}
