// A group checkpoint across real agents, driven the way the dashboard's worker does (for the
// integration test and the benchmark): prepare on every host (VMs run on), pause on every host,
// capture on every host, all in parallel; restore = revert with resume: false everywhere, then
// resume everywhere. Group pause = last resume - first stop (the hosts share one clock here).
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { groupCaptureResultSchema, type GroupCaptureResult, type PointKind } from '@/lib/agent-protocol/snapshots';

export type GroupMember = { client: AgentClient; vmId: string };
export type GroupTake = {
  points: GroupCaptureResult['points'];
  stoppedAt: number[];
  groupPauseMs: number;
  prepared: string[];
};

const byHost = (members: GroupMember[]) => {
  const hosts = new Map<AgentClient, string[]>();
  for (const m of members) hosts.set(m.client, [...(hosts.get(m.client) ?? []), m.vmId]);
  return [...hosts];
};
const pointIdOf = (groupId: string, vmId: string) => `${groupId}-${vmId}`;
const items = (groupId: string, vmIds: string[]) => vmIds.map((vmId) => ({ vmId, pointId: pointIdOf(groupId, vmId) }));
const finish = (client: AgentClient, id: string) =>
  waitForOperation(client, id, undefined, { intervalMs: 50, timeoutMs: 600_000 });

export async function takeGroup(
  members: GroupMember[],
  groupId: string,
  kind: PointKind,
  afterPrepare?: () => Promise<void>,
): Promise<GroupTake> {
  const hosts = byHost(members);
  const req = (vmIds: string[]) => ({
    groupId,
    vmIds,
    holdMs: 15_000,
    prepare: { kind, items: items(groupId, vmIds) },
  });
  const prepared = await Promise.all(hosts.map(([client, vmIds]) => client.groupPrepare(req(vmIds))));
  await afterPrepare?.();
  const paused = await Promise.all(hosts.map(([client, vmIds]) => client.groupPause(req(vmIds))));
  const ops = await Promise.all(
    hosts.map(([client, vmIds]) => client.groupCapture({ groupId, kind, items: items(groupId, vmIds) })),
  );
  const results = await Promise.all(
    hosts.map(async ([client], i) => groupCaptureResultSchema.parse((await finish(client, ops[i].id)).result)),
  );
  const points = results.flatMap((r) => r.points);
  const stoppedAt = paused.flatMap((p) => p.paused.map((x) => x.stoppedAt));
  return {
    points,
    stoppedAt,
    groupPauseMs: Math.max(...points.map((p) => p.resumedAt)) - Math.min(...stoppedAt),
    prepared: prepared.flatMap((p) => p.prepared),
  };
}

// Every member back to its point of the group, resumed together; ms from the revert calls to the
// resume answers, and how long the resume calls took.
export async function restoreGroup(
  members: GroupMember[],
  groupId: string,
  beforeResume?: () => Promise<void>,
): Promise<{ totalMs: number; resumeMs: number }> {
  const hosts = byHost(members);
  const t0 = performance.now();
  const ops = await Promise.all(
    hosts.map(([client, vmIds]) => client.groupRevert({ groupId, items: items(groupId, vmIds), resume: false })),
  );
  await Promise.all(hosts.map(([client], i) => finish(client, ops[i].id)));
  await beforeResume?.();
  const t1 = performance.now();
  await Promise.all(hosts.map(([client, vmIds]) => client.groupResume({ groupId, vmIds })));
  const t2 = performance.now();
  return { totalMs: t2 - t0, resumeMs: t2 - t1 };
}
