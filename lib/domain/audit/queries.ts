import 'server-only';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import { toPage, type Page } from '@/lib/http/pagination';
import type { AuditEventDto } from './dto';

export const listAuditQuerySchema = z
  .object({
    actor: z.string().optional(),
    action: z.string().optional(),
    result: z.enum(['accepted', 'succeeded', 'failed', 'denied']).optional(),
    targetId: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(500),
    // The last event of the previous page (its Link header names it): older events than it.
    cursor: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

export async function listAuditEvents(q: z.output<typeof listAuditQuerySchema>): Promise<Page<AuditEventDto>> {
  const rows = await db().auditEvent.findMany({
    where: {
      actorName: q.actor ? { contains: q.actor } : undefined,
      action: q.action ? { contains: q.action } : undefined,
      result: q.result,
      targetId: q.targetId,
      id: q.cursor ? { lt: q.cursor } : undefined,
    },
    orderBy: { id: 'desc' },
    take: q.limit + 1,
  });
  return toPage(
    rows,
    q.limit,
    (r) => String(r.id),
    (r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actorName: r.actorName,
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      targetName: r.targetName,
      result: r.result as AuditEventDto['result'],
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }),
  );
}
