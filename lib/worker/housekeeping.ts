import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit, SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { OFFLINE_AFTER_MS } from '@/lib/domain/hosts/queries';

// Persists the offline status (reads derive it anyway) so the transition is audited once.
export async function markOfflineHosts(): Promise<void> {
  const stale = await db().host.findMany({
    where: {
      status: { not: HOST_STATUS.offline },
      OR: [{ lastHeartbeat: null }, { lastHeartbeat: { lt: new Date(Date.now() - OFFLINE_AFTER_MS) } }],
    },
  });
  for (const h of stale) {
    const changed = await db().host.updateMany({
      where: { id: h.id, status: h.status },
      data: { status: HOST_STATUS.offline },
    });
    if (changed.count)
      await recordAudit({
        actor: SYSTEM_ACTOR,
        action: 'host.offline',
        target: { type: 'host', id: h.id, name: h.name },
        result: 'succeeded',
        detail: { lastHeartbeat: h.lastHeartbeat?.toISOString() ?? null },
      });
  }
}
