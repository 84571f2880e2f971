import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import type { HaEventDto } from '@/lib/domain/ha/dto';
import { formatClock, formatDateTime, formatRelativeTime } from '@/lib/format';
import { EVENT_TEXT, HostLink, VmLink } from './ha-bits';

/** What happened, newest first: missed heartbeats, lease expiry, fencing, restarts, policy changes. */
export function HaEvents({ events }: { events: HaEventDto[] }) {
  return (
    <Card data-testid="ha-events">
      <CardHeader title="Event timeline" description="Newest first" />
      {events.length === 0 ? (
        <EmptyState
          title="Nothing has happened yet"
          description="Missed heartbeats, lease expiries, fencing and restarts are listed here as they happen."
        />
      ) : (
        // Up to a few hundred rows: scrolled inside the card (focusable, so keyboards scroll it too).
        <div
          role="region"
          aria-label="Event timeline, scrollable"
          tabIndex={0}
          className="max-h-[40rem] overflow-y-auto rounded-b-lg focus-visible:outline-2 focus-visible:outline-accent-500"
        >
          <ol aria-label="HA events" className="divide-y divide-slate-100">
            {events.map((e) => (
              <li
                key={e.id}
                data-kind={e.kind}
                className="grid grid-cols-[7.5rem_9.5rem_minmax(0,1fr)] items-start gap-3 px-4 py-2 text-sm"
              >
                <time
                  dateTime={e.at}
                  title={formatDateTime(e.at)}
                  className="pt-0.5 text-xs text-slate-500 tabular-nums"
                >
                  {formatClock(e.at, true)} <span className="block">{formatRelativeTime(e.at)}</span>
                </time>
                <span>
                  <Badge tone={EVENT_TEXT[e.kind].tone} dot>
                    {EVENT_TEXT[e.kind].label}
                  </Badge>
                </span>
                <div className="min-w-0">
                  <p className="text-slate-800">{e.message}</p>
                  {(e.hostId || e.vmId) && (
                    <p className="mt-0.5 flex flex-wrap gap-x-3 text-xs text-slate-500">
                      {e.hostId && (
                        <span>
                          Host <HostLink id={e.hostId} name={e.hostName} />
                        </span>
                      )}
                      {e.vmId && (
                        <span>
                          VM <VmLink id={e.vmId} name={e.vmName} />
                        </span>
                      )}
                    </p>
                  )}
                </div>
              </li>
            ))}
          </ol>
        </div>
      )}
    </Card>
  );
}
