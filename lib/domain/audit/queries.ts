import 'server-only';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import type { AuditEventDto } from './dto';

export const listAuditQuerySchema = z
  .object({
    actor: z.string().optional(),
    action: z.string().optional(),
    result: z.enum(['accepted', 'succeeded', 'failed', 'denied']).optional(),
    targetId: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(500),
  })
  .strict();

export async function listAuditEvents(q: z.output<typeof listAuditQuerySchema>): Promise<AuditEventDto[]> {
  const rows = await db().auditEvent.findMany({
    where: {
      actorName: q.actor ? { contains: q.actor } : undefined,
      action: q.action ? { contains: q.action } : undefined,
      result: q.result,
      targetId: q.targetId,
    },
    orderBy: { id: 'desc' },
    take: q.limit,
  });
  return rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actorName: r.actorName,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    targetName: r.targetName,
    result: r.result as AuditEventDto['result'],
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }));
}
