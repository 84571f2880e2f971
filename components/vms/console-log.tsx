'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { vmQueries } from '@/lib/queries/vm-queries';

export const CONSOLE_LOG_LINES = 200;

/**
 * The serial log's last lines, polled every 3 s (a VM that is off, or a host without QEMU); sticks to the bottom unless
 * scrolled up.
 */
export function ConsoleLog({ vmId }: { vmId: string }) {
  const { data, error } = useQuery(vmQueries.console(vmId, CONSOLE_LOG_LINES));
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
    <pre
      ref={box}
      onScroll={onScroll}
      role="log"
      aria-label="Serial console output"
      aria-live="off"
      tabIndex={0}
      data-testid="vm-console"
      className="h-0 min-h-72 flex-1 overflow-auto rounded-b-lg bg-slate-950 px-4 py-3 font-mono text-xs leading-5 whitespace-pre-wrap text-slate-200 focus-visible:outline-2 focus-visible:outline-accent-500"
    >
      {error ? (
        <span className="text-amber-300">Console unavailable: {error.message}</span>
      ) : lines.length === 0 ? (
        <span className="text-slate-400">{data ? 'No console output yet.' : 'Loading…'}</span>
      ) : (
        lines.join('\n')
      )}
    </pre>
  );
}
