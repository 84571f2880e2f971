import type { ReactNode } from 'react';

/** Label/value rows for a details card. */
export function KeyValueList({ rows, labelWidth = '9.5rem' }: { rows: [string, ReactNode][]; labelWidth?: string }) {
  return (
    <dl className="divide-y divide-slate-100 text-sm">
      {rows.map(([k, v]) => (
        <div key={k} className="grid gap-3 px-4 py-2" style={{ gridTemplateColumns: `${labelWidth} minmax(0, 1fr)` }}>
          <dt className="text-slate-500">{k}</dt>
          <dd className="min-w-0 text-slate-800 tabular-nums">{v}</dd>
        </div>
      ))}
    </dl>
  );
}
