import 'server-only';
import { databaseProvider, databaseUrl } from '@/lib/db/url';
import { db } from '@/lib/db/client';
import { Prisma } from '@/lib/generated/prisma/client';
import { TASK_STATE } from './dto';
import { URGENT_TASK_KINDS } from './kinds';

type Claimed = { id: string; kind: string; payload: string; recovered: boolean };

// A worker renews its tasks' leases every third of this; a task whose lease ran out is taken as
// its worker's death. VMOPS_TASK_LEASE_MS (2 s to 10 min, default 30 s) tunes it.
export const LEASE_MS = leaseMs(process.env.VMOPS_TASK_LEASE_MS);

function leaseMs(value: string | undefined): number {
  if (value === undefined || value === '') return 30_000;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 2_000 || ms > 600_000)
    throw new Error(`VMOPS_TASK_LEASE_MS must be a whole number of ms from 2000 to 600000, not ${value}`);
  return ms;
}

// Claims the oldest runnable task: queued, or running whose worker stopped renewing its lease.
// On SQLite (one writer at a time) a conditional update makes the claim atomic across several
// workers; the lease's expiry is part of the condition, so a lease renewed meanwhile is not taken.
// On PostgreSQL, workers lock the row they claim and skip rows others hold. The payload stays JSON
// text: the runner parses it with its kind's schema, so a bad row fails its task, not the claim.
// kinds: only those (the runner's urgent slots); otherwise any kind, urgent ones first.
export async function claimNextTask(workerId: string, kinds?: readonly string[]): Promise<Claimed | null> {
  if (!kinds) return (await claimNextTask(workerId, URGENT_TASK_KINDS)) ?? claimFrom(workerId, undefined);
  return claimFrom(workerId, kinds);
}

async function claimFrom(workerId: string, kinds: readonly string[] | undefined): Promise<Claimed | null> {
  const now = new Date();
  if (databaseProvider(databaseUrl()) === 'postgresql') return claimSkipLocked(workerId, kinds, now);
  const candidates = await db().task.findMany({
    where: {
      OR: [{ state: TASK_STATE.queued }, { state: TASK_STATE.running, leaseExpiresAt: { lt: now } }],
      ...(kinds ? { kind: { in: [...kinds] } } : {}),
    },
    orderBy: { createdAt: 'asc' },
    take: 5,
  });
  for (const t of candidates) {
    const claimed = await db().task.updateMany({
      where: { id: t.id, state: t.state, leaseOwner: t.leaseOwner, leaseExpiresAt: t.leaseExpiresAt },
      data: {
        state: TASK_STATE.running,
        leaseOwner: workerId,
        leaseExpiresAt: new Date(now.getTime() + LEASE_MS),
        startedAt: t.startedAt ?? now,
        attempts: { increment: 1 },
      },
    });
    if (claimed.count === 1)
      return { id: t.id, kind: t.kind, payload: t.payload, recovered: t.state === TASK_STATE.running };
  }
  return null;
}

export async function renewLease(taskId: string, workerId: string): Promise<void> {
  await db().task.updateMany({
    where: { id: taskId, leaseOwner: workerId },
    data: { leaseExpiresAt: new Date(Date.now() + LEASE_MS) },
  });
}

// FOR UPDATE SKIP LOCKED: each worker locks the oldest runnable row nobody else holds, so several
// workers claim different tasks at once instead of racing for the same few.
async function claimSkipLocked(workerId: string, kinds: readonly string[] | undefined, now: Date) {
  const ofKind = kinds ? Prisma.sql`AND kind IN (${Prisma.join([...kinds])})` : Prisma.empty;
  const rows = await db().$queryRaw<{ id: string; kind: string; payload: string; prior: string }[]>`
    WITH c AS (
      SELECT id, state AS prior FROM "Task"
      WHERE (state = ${TASK_STATE.queued} OR (state = ${TASK_STATE.running} AND "leaseExpiresAt" < ${now})) ${ofKind}
      ORDER BY "createdAt" LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    UPDATE "Task" t SET state = ${TASK_STATE.running}, "leaseOwner" = ${workerId},
      "leaseExpiresAt" = ${new Date(now.getTime() + LEASE_MS)}, "startedAt" = COALESCE(t."startedAt", ${now}),
      attempts = t.attempts + 1
    FROM c WHERE t.id = c.id
    RETURNING t.id, t.kind, t.payload, c.prior`;
  const r = rows[0];
  return r ? { id: r.id, kind: r.kind, payload: r.payload, recovered: r.prior === TASK_STATE.running } : null;
}
