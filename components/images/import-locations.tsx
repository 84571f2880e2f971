'use client';
import { useQuery } from '@tanstack/react-query';
import { imageQueries } from '@/lib/queries/image-queries';

/** What the chosen host (or every online host, for automatic) will import from: agents refuse anything else. */
export function ImportLocations({ hostId }: { hostId: string }) {
  const query = useQuery(imageQueries.importLocations());
  const hosts = (query.data ?? []).filter((h) => hostId === 'auto' || h.hostId === hostId);
  return (
    <section
      aria-label="Allowed import locations"
      className="col-span-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-xs text-slate-600"
    >
      <p className="font-medium text-slate-700">Allowed import locations</p>
      {query.isPending && <p>Asking the agents…</p>}
      {query.isError && <p className="text-red-700">Could not ask the agents: {query.error.message}</p>}
      {query.isSuccess && hosts.length === 0 && <p>No online host to ask.</p>}
      <ul className="mt-1 space-y-1">
        {hosts.map((h) => (
          <li key={h.hostId}>
            <span className="font-medium">{h.hostName}:</span>{' '}
            {h.error ? (
              <span className="text-red-700">{h.error}</span>
            ) : (
              <>
                directories <code className="font-mono">{h.dirs.join(', ') || 'none'}</code>; URL prefixes{' '}
                <code className="font-mono">{h.urlPrefixes.join(', ') || 'none'}</code>
              </>
            )}
          </li>
        ))}
      </ul>
      <p className="mt-1 text-slate-500">
        An admin adds more with the agent&apos;s <code>--import-dir</code> and <code>--import-url-prefix</code>.
      </p>
    </section>
  );
}
