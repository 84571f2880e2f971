'use client';
import type { UseInfiniteQueryResult } from '@tanstack/react-query';
import {
  createColumnHelper,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type OnChangeFn,
  type SortingState,
} from '@tanstack/react-table';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { cellClass, HeaderCell, NoMatchRow, useRowClick } from '@/components/ui/table-parts';
import { cx } from '@/lib/cx';

const features = tableFeatures({ rowSortingFeature });
const PAD = 'px-3 py-2';

export type GridColumn<T, S extends string = string> = {
  id: string;
  header: string;
  cell: (row: T) => ReactNode;
  /** The server's sort of this column (the list endpoint's `sort=`), if it has one. */
  sort?: S;
  align?: 'left' | 'right';
  className?: string; // width / truncation for both th and td
};
// The pages after the loaded ones: whether the server has more, and loading them.
export type MorePages = { hasMore: boolean; loading: boolean; failed: boolean; load: () => void; retry: () => void };

type InfiniteList = Pick<
  UseInfiniteQueryResult,
  'hasNextPage' | 'isFetchingNextPage' | 'isFetchNextPageError' | 'fetchNextPage' | 'refetch'
>;

// An infinite query's next pages (`shown`: whether the list is on screen at all).
export function morePagesOf(list: InfiniteList, shown: boolean): MorePages {
  return {
    hasMore: shown && list.hasNextPage,
    loading: list.isFetchingNextPage,
    failed: list.isFetchNextPageError,
    load: () => void list.fetchNextPage(),
    retry: () => void list.refetch(),
  };
}

const ROW_ESTIMATE = 41; // px, a one-line row; rows are measured as they show
const LOAD_AHEAD = 30; // rows before the end of what is loaded at which the next page is fetched

function columnDefs<T extends { id: string }, S extends string>(
  columns: GridColumn<T, S>[],
  defaultOrder: Record<S, 'asc' | 'desc'>,
) {
  const helper = createColumnHelper<typeof features, T>();
  return helper.columns(
    columns.map((c) =>
      helper.accessor((row) => row.id, {
        id: c.id,
        header: c.header,
        cell: ({ row }) => c.cell(row.original),
        enableSorting: Boolean(c.sort),
        sortDescFirst: c.sort ? defaultOrder[c.sort] === 'desc' : undefined,
      }),
    ),
  );
}

/**
 * A paged list as rendered (the VM list, restore points): TanStack Table for the columns and the
 * (server-side) sort, TanStack Virtual for the rows, so only the rows on screen are in the DOM
 * however many are loaded; near the end of them, the next page is asked for.
 */
export function VirtualGrid<T extends { id: string }, S extends string>({
  label,
  noun,
  rows,
  columns,
  defaultOrder,
  rowHref,
  total,
  sorting,
  onSortingChange,
  more,
  onClearFilters,
}: {
  label: string; // the table's accessible name
  noun: string; // what a row is, plural ("VMs"), for the loading and failure lines
  rows: T[];
  columns: GridColumn<T, S>[];
  defaultOrder: Record<S, 'asc' | 'desc'>; // each sort's first direction
  rowHref?: (row: T) => string; // where a click on the row goes
  total: number | undefined; // how many rows the filters match on the server, if known
  sorting: SortingState;
  onSortingChange: OnChangeFn<SortingState>;
  more: MorePages;
  onClearFilters: () => void;
}) {
  const defs = useMemo(() => columnDefs(columns, defaultOrder), [columns, defaultOrder]);
  const byId = useMemo(() => new Map(columns.map((c) => [c.id, c])), [columns]);
  const table = useTable({
    features,
    columns: defs,
    data: rows,
    getRowId: (row) => row.id,
    state: { sorting },
    onSortingChange,
    manualSorting: true, // the server sorts; the rows come in its order
    enableSortingRemoval: false,
  });
  const tableRows = table.getRowModel().rows;
  const onRowClick = useRowClick(rowHref);

  // The rows scroll with the page (the header stays under the top bar): the virtualizer needs
  // where the body starts on the page.
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const [bodyTop, setBodyTop] = useState(0);
  useLayoutEffect(() => {
    const top = bodyRef.current ? bodyRef.current.getBoundingClientRect().top + window.scrollY : 0;
    if (top !== bodyTop) setBodyTop(top);
  });
  const virtualizer = useWindowVirtualizer({
    count: tableRows.length,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 10,
    scrollMargin: bodyTop,
    getItemKey: (i) => tableRows[i].id,
  });
  const items = virtualizer.getVirtualItems();
  const lastShown = items.at(-1)?.index ?? -1;
  const { hasMore, loading, failed, load } = more;
  useEffect(() => {
    if (hasMore && !loading && !failed && lastShown >= tableRows.length - LOAD_AHEAD) load();
  }, [hasMore, loading, failed, lastShown, tableRows.length, load]);

  const before = items.length ? items[0].start - bodyTop : 0;
  const after = items.length ? virtualizer.getTotalSize() - (items[items.length - 1].end - bodyTop) : 0;
  const spacer = (height: number) =>
    height > 0 && (
      <tr aria-hidden="true">
        <td colSpan={columns.length} style={{ height }} className="p-0" />
      </tr>
    );

  return (
    <>
      <table
        aria-label={label}
        aria-rowcount={total === undefined ? -1 : total + 1}
        className="w-full table-auto border-collapse text-sm"
      >
        <thead>
          <tr aria-rowindex={1}>
            {table.getHeaderGroups()[0].headers.map((h) => {
              const c = byId.get(h.column.id)!;
              return (
                <HeaderCell
                  key={h.id}
                  dir={h.column.getIsSorted()}
                  onSort={h.column.getCanSort() ? () => h.column.toggleSorting() : undefined}
                  align={c.align}
                  className={c.className}
                  pad={PAD}
                >
                  {c.header}
                </HeaderCell>
              );
            })}
          </tr>
        </thead>
        <tbody ref={bodyRef} className="divide-y divide-slate-100">
          {spacer(before)}
          {items.map((item) => {
            const row = tableRows[item.index];
            return (
              <tr
                key={row.id}
                ref={virtualizer.measureElement}
                data-index={item.index}
                aria-rowindex={item.index + 2}
                onClick={rowHref ? onRowClick(row.original) : undefined}
                className={cx(rowHref && 'cursor-pointer', 'hover:bg-slate-50')}
              >
                {row.getAllCells().map((cell) => {
                  const c = byId.get(cell.column.id)!;
                  return (
                    <td key={cell.id} className={cellClass(PAD, c.align, c.className)}>
                      <table.FlexRender cell={cell} />
                    </td>
                  );
                })}
              </tr>
            );
          })}
          {spacer(after)}
          {tableRows.length === 0 && <NoMatchRow colSpan={columns.length} onClear={onClearFilters} />}
        </tbody>
      </table>
      {loading && <p className={cx(PAD, 'text-center text-xs text-slate-500')}>Loading more {noun}…</p>}
      {failed && (
        <p role="alert" className={cx(PAD, 'text-center text-xs text-red-700')}>
          Could not load more {noun}.{' '}
          <Button variant="ghost" size="sm" onClick={more.retry}>
            Retry
          </Button>
        </p>
      )}
    </>
  );
}
