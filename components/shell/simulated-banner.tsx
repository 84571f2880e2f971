'use client';
import { useQuery } from '@tanstack/react-query';
import { AlertIcon } from '@/components/ui/icons';
import { hostQueries } from '@/lib/queries/host-queries';

export function SimulatedBanner() {
  const simulated = useQuery(hostQueries.summary()).data?.simulated;
  if (!simulated?.count) return null;
  const more = simulated.count - simulated.names.length;
  return (
    <div
      role="status"
      data-testid="simulated-banner"
      data-simulated-banner
      className="flex h-8 items-center gap-2 overflow-hidden border-b border-amber-200 bg-amber-50 px-6 text-xs whitespace-nowrap text-amber-900"
    >
      <AlertIcon className="shrink-0 text-amber-600" />
      <span className="font-semibold">Simulated driver — VMs are not real</span>
      <span className="truncate text-amber-800">
        ({simulated.names.join(', ')}
        {more > 0 && ` and ${more.toLocaleString('en')} more`} {simulated.count === 1 ? 'runs' : 'run'} the simulated
        driver; no QEMU processes are started)
      </span>
    </div>
  );
}
