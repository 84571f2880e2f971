import 'server-only';
import { createHash } from 'node:crypto';
import { db } from '@/lib/db/client';
import type { AuditEventDto } from './dto';

export type Actor = { id: string | null; name: string };
export type AuditInput = {
  actor: Actor;
  action: string;
  target?: { type: string; id: string | null; name?: string | null };
  result: AuditEventDto['result'];
  detail?: Record<string, unknown>;
};

export const SYSTEM_ACTOR: Actor = { id: null, name: 'system' };

// Each event carries the hash of the previous one (Xen Orchestra's audit-core idea), so editing
// or deleting a row breaks the chain and shows.
export async function recordAudit(input: AuditInput): Promise<void> {
  await db().$transaction(async (tx) => {
    const last = await tx.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } });
    const prevHash = last?.hash ?? '0'.repeat(64);
    const at = new Date();
    const row = {
      at,
      actorId: input.actor.id,
      actorName: input.actor.name,
      action: input.action,
      targetType: input.target?.type ?? null,
      targetId: input.target?.id ?? null,
      targetName: input.target?.name ?? null,
      result: input.result,
      detail: JSON.stringify(input.detail ?? {}),
      prevHash,
    };
    const hash = createHash('sha256')
      .update(JSON.stringify({ ...row, at: at.toISOString() }))
      .digest('hex');
    await tx.auditEvent.create({ data: { ...row, hash } });
  });
}
