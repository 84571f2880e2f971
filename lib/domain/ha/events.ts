import 'server-only';
import { db } from '@/lib/db/client';
import type { Prisma } from '@/lib/generated/prisma/client';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '@/lib/domain/audit/service';
import type { HaEventKind } from './dto';

type Tx = Prisma.TransactionClient;

export type HaEventInput = {
  kind: HaEventKind;
  hostId?: string | null;
  vmId?: string | null;
  message: string;
  data?: Record<string, unknown>;
};

// One entry of the HA page's timeline.
export async function recordHaEvent(e: HaEventInput, tx: Tx = db()): Promise<void> {
  await tx.haEvent.create({
    data: {
      kind: e.kind,
      hostId: e.hostId ?? null,
      vmId: e.vmId ?? null,
      message: e.message,
      data: JSON.stringify(e.data ?? {}),
    },
  });
}

// A timeline entry that is also an audited action (host state changes, restarts decided by the
// system, maintenance entered for hardware errors).
export async function recordHaEventAudited(
  e: HaEventInput & {
    action: string;
    target: { type: string; id: string; name: string };
    result?: 'accepted' | 'succeeded' | 'failed';
  },
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  await recordHaEvent(e);
  await recordAudit({
    actor,
    action: e.action,
    target: e.target,
    result: e.result ?? 'succeeded',
    detail: { kind: e.kind, message: e.message, ...e.data },
  });
}
