import 'server-only';
import { db } from '@/lib/db/client';
import { inChunks } from '@/lib/db/in-chunks';
import type { CheckpointGroup } from '@/lib/generated/prisma/client';
import type { CheckpointGroupDto } from './dto';

const iso = (d: Date | null) => d?.toISOString() ?? null;

// Group checkpoints, newest first; each member with its snapshot (null once that one was deleted).
export async function listGroups(): Promise<CheckpointGroupDto[]> {
  const groups = await db().checkpointGroup.findMany({ orderBy: { createdAt: 'desc' } });
  const snapshots = await inChunks(
    groups.map((g) => g.id),
    (chunk) =>
      db().snapshot.findMany({ where: { groupId: { in: chunk } }, select: { id: true, vmId: true, groupId: true } }),
  );
  const vmIds = [...new Set(groups.flatMap(memberIds))];
  const names = new Map(
    (
      await inChunks(vmIds, (chunk) =>
        db().vm.findMany({ where: { id: { in: chunk } }, select: { id: true, name: true } }),
      )
    ).map((v) => [v.id, v.name]),
  );
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    memory: g.memory,
    members: memberIds(g).map((vmId) => ({
      vmId,
      vmName: names.get(vmId) ?? vmId, // a deleted VM keeps its id in the group's history
      snapshotId: snapshots.find((s) => s.groupId === g.id && s.vmId === vmId)?.id ?? null,
    })),
    firstStopAt: iso(g.firstStopAt),
    lastResumeAt: iso(g.lastResumeAt),
    pauseMs: g.pauseMs,
    createdBy: g.createdBy,
    createdAt: g.createdAt.toISOString(),
  }));
}

export const memberIds = (g: Pick<CheckpointGroup, 'vmIds'>): string[] => JSON.parse(g.vmIds) as string[];
