import Link from 'next/link';
import { StateBadge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import type { DrSiteDto } from '@/lib/domain/dr/dto';

/** One card per site with its hosts: replication always goes from one site to another. */
export function SitesPanel({ sites }: { sites: DrSiteDto[] }) {
  return (
    <section aria-label="Sites" className="grid grid-cols-1 gap-5 md:grid-cols-2 xl:grid-cols-3">
      {sites.map((s) => (
        <Card key={s.name} data-testid="dr-site" data-site={s.name}>
          <CardHeader
            title={`Site ${s.name}`}
            description={`${s.hosts.length} host${s.hosts.length === 1 ? '' : 's'} · ${s.hosts.filter((h) => h.status === 'online').length} online`}
          />
          <ul className="divide-y divide-slate-100">
            {s.hosts.map((h) => (
              <li key={h.id} className="flex items-center justify-between gap-3 px-4 py-2 text-sm">
                <Link
                  href={`/hosts/${h.id}`}
                  className="font-medium text-slate-800 hover:text-accent-700 hover:underline"
                >
                  {h.name}
                </Link>
                <span className="flex items-center gap-2 text-xs text-slate-500">
                  {h.vmCount} VM{h.vmCount === 1 ? '' : 's'}
                  <StateBadge state={h.maintenance ? 'maintenance' : h.status} />
                </span>
              </li>
            ))}
          </ul>
        </Card>
      ))}
    </section>
  );
}
