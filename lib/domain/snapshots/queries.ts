import 'server-only';
import { db } from '@/lib/db/client';
import { inChunks } from '@/lib/db/in-chunks';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { Snapshot } from '@/lib/generated/prisma/client';
import type {
  PointStatsDayDto,
  PointStatsDto,
  PointStatsKind,
  SnapshotDto,
  TimelinePointDto,
  VmSnapshotsDto,
  VmTimelineDto,
} from './dto';

// Reads of snapshots and points: a VM's tree (parentId links, "you are here", clones, what the
// agent says it can do now), its timeline of every point, and the cluster's points per day.

async function toSnapshotDtos(rows: Snapshot[]): Promise<SnapshotDto[]> {
  const ids = rows.map((r) => r.id);
  const groupIds = [...new Set(rows.map((r) => r.groupId).filter((g): g is string => g !== null))];
  const groups = new Map(
    (
      await inChunks(groupIds, (chunk) =>
        db().checkpointGroup.findMany({ where: { id: { in: chunk } }, select: { id: true, name: true } }),
      )
    ).map((g) => [g.id, g.name]),
  );
  const clones = await inChunks(
    ids,
    (chunk) =>
      db().vm.findMany({
        where: { cloneOfSnapshotId: { in: chunk } },
        select: { id: true, name: true, cloneOfSnapshotId: true },
      }),
    (a, b) => a.name.localeCompare(b.name),
  );
  return rows.map((r) => ({
    id: r.id,
    vmId: r.vmId,
    name: r.name,
    description: r.description,
    kind: r.memory ? 'checkpoint' : 'snapshot',
    parentId: r.parentId,
    groupId: r.groupId,
    groupName: r.groupId ? (groups.get(r.groupId) ?? null) : null,
    scheduleId: r.scheduleId,
    layerBytes: Number(r.layerBytes),
    stateBytes: Number(r.stateBytes),
    wasRunning: r.wasRunning,
    downtimeMs: r.downtimeMs,
    pauseMs: r.pauseMs,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    clones: clones.filter((c) => c.cloneOfSnapshotId === r.id).map((c) => ({ vmId: c.id, vmName: c.name })),
  }));
}

// The agent is asked with a short bound: an unreachable host leaves the tree readable, and the
// screens offer nothing (capabilities null, the reason in capabilitiesError).
export async function getVmSnapshots(vmId: string): Promise<VmSnapshotsDto> {
  const vm = await db().vm.findUnique({ where: { id: vmId } });
  if (!vm) throw noSuchObject('VM', vmId);
  const rows = await db().snapshot.findMany({ where: { vmId }, orderBy: { createdAt: 'asc' } });
  let capabilities: VmSnapshotsDto['capabilities'] = null;
  let capabilitiesError: string | null = null;
  // "You are here" as the host knows it when it answers (a replace-restore clears it there), else the row's.
  let currentId = vm.currentSnapshotId;
  if (vm.state === 'provisioning' || vm.state === 'deleting') capabilitiesError = `The VM is ${vm.state}`;
  else {
    try {
      const points = await (await agentFor(vm.hostId, { timeoutMs: 5_000 })).vmPoints(vmId);
      capabilities = points.capabilities;
      if (rows.some((r) => r.id === points.currentId) || points.currentId === null) currentId = points.currentId;
    } catch (err) {
      capabilitiesError = errorMessage(err);
    }
  }
  let cloneOf: VmSnapshotsDto['cloneOf'] = null;
  if (vm.cloneOfSnapshotId) {
    const s = await db().snapshot.findUnique({ where: { id: vm.cloneOfSnapshotId } });
    const parent = s ? await db().vm.findUnique({ where: { id: s.vmId }, select: { id: true, name: true } }) : null;
    if (s && parent) cloneOf = { vmId: parent.id, vmName: parent.name, snapshotId: s.id, snapshotName: s.name };
  }
  return { vmId, snapshots: await toSnapshotDtos(rows), currentId, capabilities, capabilitiesError, cloneOf };
}

const snapshotKind = (s: Pick<Snapshot, 'memory' | 'groupId'>) =>
  s.groupId ? 'group-checkpoint' : s.memory ? 'checkpoint' : 'snapshot';

// Restore points (backups, not the short-lived safety points) and snapshots, oldest first.
export async function getVmTimeline(vmId: string): Promise<VmTimelineDto> {
  if (!(await db().vm.findUnique({ where: { id: vmId }, select: { id: true } }))) throw noSuchObject('VM', vmId);
  const backups = await db().restorePoint.findMany({
    where: { vmId, kind: { not: 'safety' } },
    orderBy: { takenAt: 'asc' },
  });
  const snapshots = await db().snapshot.findMany({ where: { vmId }, orderBy: { createdAt: 'asc' } });
  const points: TimelinePointDto[] = [
    ...backups.map((p): TimelinePointDto => ({
      id: p.id,
      kind: p.kind === 'incremental' ? 'backup-incremental' : 'backup-full',
      at: p.takenAt.toISOString(),
      label: `Backup (${p.kind})`,
      sizeBytes: Number(p.sizeBytes),
      actions: ['restore'],
    })),
    ...snapshots.map((s): TimelinePointDto => ({
      id: s.id,
      kind: snapshotKind(s),
      at: s.createdAt.toISOString(),
      label: s.name,
      sizeBytes: Number(s.layerBytes + s.stateBytes),
      actions: ['revert', 'clone'],
    })),
  ];
  points.sort((a, b) => a.at.localeCompare(b.at));
  return { vmId, points };
}

const DAY_MS = 86_400_000;

// Points taken per UTC day and kind over the last `days` days (today included), with their size.
export async function pointStats(days: number, now = new Date()): Promise<PointStatsDto> {
  const since = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (days - 1) * DAY_MS);
  const backups = await db().restorePoint.findMany({
    where: { takenAt: { gte: since }, kind: { not: 'safety' } },
    select: { takenAt: true, sizeBytes: true },
  });
  const snapshots = await db().snapshot.findMany({
    where: { createdAt: { gte: since } },
    select: { createdAt: true, memory: true, groupId: true, layerBytes: true, stateBytes: true },
  });
  const rows = new Map<string, PointStatsDayDto>();
  const add = (at: Date, kind: PointStatsKind, bytes: bigint) => {
    const day = at.toISOString().slice(0, 10);
    const key = `${day} ${kind}`;
    const r = rows.get(key) ?? { day, kind, count: 0, sizeBytes: 0 };
    r.count++;
    r.sizeBytes += Number(bytes);
    rows.set(key, r);
  };
  for (const b of backups) add(b.takenAt, 'backup', b.sizeBytes);
  for (const s of snapshots) add(s.createdAt, snapshotKind(s), s.layerBytes + s.stateBytes);
  return { days, rows: [...rows.values()].sort((a, b) => a.day.localeCompare(b.day) || a.kind.localeCompare(b.kind)) };
}
