import 'server-only';
import type { z } from 'zod';
import { db } from '@/lib/db/client';
import type { Migration } from '@/lib/generated/prisma/client';
import { noSuchObject, vmBadPowerState } from '@/lib/errors';
import { VM_STATE } from '@/lib/domain/vms/dto';
import {
  MIGRATION_STATE,
  type MigrationDto,
  type MigrationEstimateDto,
  type MigrationMode,
  type MigrationProgressDto,
  type MigrationReason,
  type MigrationState,
} from './dto';
import { buildEstimate } from './estimate-inputs';
import type { listMigrationsQuerySchema } from './schemas';
import { migrationModeFor, resolveTarget } from './target';

// Live progress lives in the running task's result JSON ({ migrationId, progress }), written by
// the vm.migrate handler on every poll of the agent operation.
function liveProgress(m: Migration, taskResult: string | null | undefined): MigrationProgressDto | null {
  if (m.state !== MIGRATION_STATE.running || !taskResult) return null;
  const r = JSON.parse(taskResult) as { progress?: MigrationProgressDto };
  return r.progress ?? null;
}

function toDto(m: Migration, names: Map<string, string>, taskResult?: string | null): MigrationDto {
  const estimate = JSON.parse(m.estimate) as Partial<MigrationEstimateDto>;
  return {
    id: m.id,
    vmId: m.vmId,
    vmName: m.vmName,
    sourceHostId: m.sourceHostId,
    sourceHostName: names.get(m.sourceHostId) ?? '',
    targetHostId: m.targetHostId,
    targetHostName: names.get(m.targetHostId) ?? '',
    reason: m.reason as MigrationReason,
    mode: m.mode as MigrationMode,
    state: m.state as MigrationState,
    taskId: m.taskId,
    startedAt: m.startedAt.toISOString(),
    finishedAt: m.finishedAt?.toISOString() ?? null,
    durationMs: m.durationMs,
    downtimeMs: m.downtimeMs,
    bytesTransferred: Number(m.bytesTransferred),
    diskBytes: Number(m.diskBytes),
    error: m.error,
    estimate: estimate.vmId ? (estimate as MigrationEstimateDto) : null,
    progress: liveProgress(m, taskResult),
  };
}

async function toDtos(rows: Migration[]): Promise<MigrationDto[]> {
  const hosts = await db().host.findMany({ select: { id: true, name: true } });
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  const running = rows.filter((m) => m.state === MIGRATION_STATE.running && m.taskId).map((m) => m.taskId!);
  const tasks = running.length
    ? await db().task.findMany({ where: { id: { in: running } }, select: { id: true, result: true } })
    : [];
  const results = new Map(tasks.map((t) => [t.id, t.result]));
  return rows.map((m) => toDto(m, names, m.taskId ? results.get(m.taskId) : null));
}

export async function listMigrations(q: z.output<typeof listMigrationsQuerySchema>): Promise<MigrationDto[]> {
  const rows = await db().migration.findMany({
    where: { vmId: q.vmId },
    orderBy: { startedAt: 'desc' },
    take: q.limit,
  });
  return toDtos(rows);
}

export async function getMigration(id: string): Promise<MigrationDto> {
  const m = await db().migration.findUnique({ where: { id } });
  if (!m) throw noSuchObject('migration', id);
  return (await toDtos([m]))[0];
}

// The cost estimate shown before starting (targetHostId may be 'best'). Read-only: any
// signed-in user may look.
export async function estimateMigration(vmId: string, targetHostId: string): Promise<MigrationEstimateDto> {
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { host: true } });
  if (!vm) throw noSuchObject('VM', vmId);
  if (vm.state !== VM_STATE.running) throw vmBadPowerState(vm.name, [VM_STATE.running], vm.state);
  const target = await resolveTarget(vm, targetHostId);
  const targetRow = await db().host.findUniqueOrThrow({ where: { id: target.id } });
  return buildEstimate(vm, targetRow, await migrationModeFor(vm));
}
