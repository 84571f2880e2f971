import 'server-only';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { parseTaskPayload } from '@/lib/domain/tasks/kinds';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import type { HostLink } from '@/lib/generated/prisma/client';

// Link probes: every QEMU host is measured as a migration source and as a target against one
// peer (round robin by name) when it joins, and again once the measurement is a day old. O(hosts)
// probes, not O(hosts^2): a pair never probed uses what its two ends measured with others.
export const LINK_MAX_AGE_MS = 24 * 60 * 60_000;

type Pair = { sourceHostId: string; targetHostId: string };

export function pairsToProbe(hosts: { id: string; name: string }[], fresh: Pair[]): Pair[] {
  const sorted = [...hosts].sort((a, b) => a.name.localeCompare(b.name));
  if (sorted.length < 2) return [];
  const out: Pair[] = [];
  const known = () => [...fresh, ...out];
  const at = (i: number) => sorted[(i + sorted.length) % sorted.length];
  // A ring: each host sends to the next, so each is a source once and a target once.
  sorted.forEach((h, i) => {
    if (!known().some((l) => l.sourceHostId === h.id)) out.push({ sourceHostId: h.id, targetHostId: at(i + 1).id });
  });
  sorted.forEach((h, i) => {
    if (!known().some((l) => l.targetHostId === h.id)) out.push({ sourceHostId: at(i - 1).id, targetHostId: h.id });
  });
  return out;
}

// Called by the worker's housekeeping: queues the probes that are due (one task per pair, never
// two for the same pair at once).
export async function queueDueLinkProbes(now = new Date()): Promise<number> {
  const hosts = await db().host.findMany({
    where: { status: HOST_STATUS.online, driver: 'qemu', maintenance: false },
    select: { id: true, name: true },
  });
  if (hosts.length < 2) return 0;
  const fresh = await db().hostLink.findMany({
    where: { measuredAt: { gt: new Date(now.getTime() - LINK_MAX_AGE_MS) } },
    select: { sourceHostId: true, targetHostId: true },
  });
  const active = await db().task.findMany({
    where: { kind: 'host.link-probe', state: { in: [TASK_STATE.queued, TASK_STATE.running] } },
    select: { payload: true },
  });
  const pending = active.map((t) => parseTaskPayload('host.link-probe', t.payload));
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  let queued = 0;
  for (const p of pairsToProbe(hosts, [...fresh, ...pending])) {
    await enqueueTask({
      kind: 'host.link-probe',
      title: `Measure migration throughput ${names.get(p.sourceHostId)} -> ${names.get(p.targetHostId)}`,
      target: { type: 'host', id: p.targetHostId },
      payload: p,
      actor: SYSTEM_ACTOR,
    });
    queued++;
  }
  return queued;
}

// What the estimate knows of the link between two hosts: the pair's own probe, else the mean of
// what the source measured as a source and the target as a target.
export type LinkBasis = { bytesPerSec: number; qemuStartMs: number; measuredAt: Date; exact: boolean };

export async function linkBetween(sourceHostId: string, targetHostId: string): Promise<LinkBasis | null> {
  const exact = await db().hostLink.findUnique({
    where: { sourceHostId_targetHostId: { sourceHostId, targetHostId } },
  });
  if (exact) return { ...pick(exact), exact: true };
  const near = await db().hostLink.findMany({
    where: { OR: [{ sourceHostId }, { targetHostId }] },
    orderBy: { measuredAt: 'desc' },
    take: 4,
  });
  if (!near.length) return null;
  const starts = near.filter((l) => l.targetHostId === targetHostId);
  return {
    bytesPerSec: near.reduce((n, l) => n + l.bytesPerSec, 0) / near.length,
    qemuStartMs: Math.round(
      (starts.length ? starts : near).reduce((n, l) => n + l.qemuStartMs, 0) / (starts.length || near.length),
    ),
    measuredAt: near[0].measuredAt,
    exact: false,
  };
}

const pick = (l: HostLink) => ({ bytesPerSec: l.bytesPerSec, qemuStartMs: l.qemuStartMs, measuredAt: l.measuredAt });
