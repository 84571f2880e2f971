'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { TerminalIcon } from '@/components/ui/icons';
import { formatClock } from '@/lib/format';
import { vmQueries } from '@/lib/queries/vm-queries';

const LINES = 200;

/** The last serial console lines, polled every 3 s; sticks to the bottom unless scrolled up. */
export function VmConsole({ vmId }: { vmId: string }) {
  const { data, error, dataUpdatedAt } = useQuery(vmQueries.console(vmId, LINES));
  const box = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [data]);

  const onScroll = () => {
    const el = box.current;
    if (el) pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };

  // The unfinished last line (e.g. the shell prompt) is shown after the whole ones.
  const lines = data ? (data.partial ? [...data.lines, data.partial] : data.lines) : [];
  return (
    <Card>
      <CardHeader title={<span className="inline-flex items-center gap-2"><TerminalIcon /> Serial console</span>}
        description={`Last ${LINES} lines, refreshed every 3 s`}
        actions={dataUpdatedAt ? <span className="text-xs text-slate-500 tabular-nums">updated {formatClock(dataUpdatedAt, true)}</span> : null} />
      <pre ref={box} onScroll={onScroll} role="log" aria-label="Serial console output" aria-live="off" tabIndex={0} data-testid="vm-console"
        className="h-72 overflow-auto rounded-b-lg bg-slate-950 px-4 py-3 font-mono text-xs leading-5 whitespace-pre-wrap text-slate-200 focus-visible:outline-2 focus-visible:outline-accent-500">
        {error ? (
          <span className="text-amber-300">Console unavailable: {error.message}</span>
        ) : lines.length === 0 ? (
          <span className="text-slate-400">{data ? 'No console output yet.' : 'Connecting…'}</span>
        ) : (
          lines.join('\n')
        )}
      </pre>
    </Card>
  );
}
