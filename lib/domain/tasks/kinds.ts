import { z } from 'zod';
import { migrateRequestSchema } from '@/lib/agent-protocol/migration';
import { importImageRequestSchema } from '@/lib/agent-protocol/core';
import { replicaPointIdSchema as replicaPointId } from '@/lib/agent-protocol/replication';
import { pointIdSchema as pointId } from '@/lib/agent-protocol/snapshots';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { taskKindUnknown, taskPayloadInvalid, type AppError } from '@/lib/errors';

// One schema per task kind: the service that enqueues a task and the handler that runs it share
// it, so a producer cannot store a payload its handler would misread (a type error), and the
// worker parses the stored JSON with it before calling the handler.

const id = z.string().min(1).max(128);
const vmState = z.enum(VM_STATE);
const migrateTuning = migrateRequestSchema.shape;

// A power action or delete on an existing VM; previousState is where a failure leaves it.
const vmOperationPayload = z.object({ vmId: id, previousState: vmState }).strict();

// vm.restore: 'new' restores into a VM row made at request time; 'replace' swaps the disk of the
// point's own VM and puts it back in previousState if that fails.
const restoreNewPayload = z.object({ vmId: id, pointId: id, mode: z.literal('new'), instant: z.boolean() }).strict();
const restoreReplacePayload = z
  .object({ vmId: id, pointId: id, mode: z.literal('replace'), instant: z.boolean(), previousState: vmState })
  .strict();

export const TASK_PAYLOADS = {
  'vm.create': z.object({ vmId: id }).strict(),
  'vm.start': vmOperationPayload,
  'vm.stop': vmOperationPayload,
  'vm.force-stop': vmOperationPayload,
  'vm.restart': vmOperationPayload,
  'vm.delete': vmOperationPayload,
  'image.import': z.object({ imageId: id, hostId: id, request: importImageRequestSchema }).strict(),
  'vm.restore': z.discriminatedUnion('mode', [restoreNewPayload, restoreReplacePayload]),
  'backup.run': z.object({ jobId: id, trigger: z.enum(['schedule', 'manual']) }).strict(),
  // Also read by chain-readers.ts: an active verify holds every chain it names.
  'backup.verify': z.object({ pointIds: z.array(id).max(10_000), boot: z.boolean() }).strict(),
  'restore-point.delete': z.object({ pointId: id, merge: z.boolean(), chainId: id }).strict(),
  // Tuning passed on to the agent as its migration contract has it (tests slow a migration down).
  'vm.migrate': z
    .object({
      vmId: id,
      migrationId: id,
      maxBandwidthBytes: migrateTuning.maxBandwidthBytes,
      downtimeLimitMs: migrateTuning.downtimeLimitMs,
    })
    .strict(),
  'host.evacuate': z.object({ hostId: id }).strict(),
  'host.bring-back': z.object({ hostId: id, vmIds: z.array(id).max(10_000) }).strict(),
  // An HA restart (lib/domain/ha/restarts.ts): the HaRestart row says which VM, from where, to where.
  'vm.ha-restart': z.object({ restartId: id }).strict(),
  // A link probe between two hosts (lib/domain/migrations/links.ts), the migration estimate's basis.
  'host.link-probe': z.object({ sourceHostId: id, targetHostId: id }).strict(),
  // Snapshots and checkpoints (lib/domain/snapshots): the point id is chosen at request time and
  // its Snapshot / CheckpointGroup row written only once the agent returned the complete point.
  'snapshot.take': z
    .object({
      vmId: id,
      snapshotId: pointId,
      name: z.string().min(1).max(80),
      description: z.string().max(500).nullable(),
      memory: z.boolean(),
      scheduleId: id.nullable(),
    })
    .strict(),
  'snapshot.revert': z.object({ vmId: id, snapshotId: pointId, previousState: vmState }).strict(),
  'snapshot.delete': z.object({ vmId: id, snapshotId: pointId }).strict(),
  // vmId: the clone's own row (state provisioning), made at request time like vm.create's.
  'vm.clone': z.object({ vmId: id, snapshotId: pointId, start: z.boolean() }).strict(),
  'vm.detach-clone': z.object({ vmId: id }).strict(),
  'checkpoint-group.take': z
    .object({
      groupId: pointId,
      name: z.string().min(1).max(80),
      memory: z.boolean(),
      vmIds: z.array(id).min(1).max(256),
    })
    .strict(),
  'checkpoint-group.restore': z.object({ groupId: pointId }).strict(),
  'checkpoint-group.delete': z.object({ groupId: pointId }).strict(),
  'snapshot.schedule-run': z.object({ scheduleId: id }).strict(),
  // Disaster recovery (lib/domain/dr): one replication run of a job; a failover (pointId null:
  // the newest; planned: stop the source and sync once more first); a test failover into the
  // dr-test Vm row made at request time (vmId) from a point chosen then.
  'replication.run': z.object({ jobId: id, trigger: z.enum(['schedule', 'manual']) }).strict(),
  'dr.failover': z.object({ jobId: id, pointId: replicaPointId.nullable(), planned: z.boolean() }).strict(),
  'dr.test-failover': z.object({ jobId: id, vmId: id, pointId: replicaPointId }).strict(),
  // Failback's switch back (the job failing back: reverse runs are replication.run tasks); a
  // failover plan run (its members in boot order).
  'dr.failback': z.object({ jobId: id }).strict(),
  'dr.plan-run': z.object({ planId: id, kind: z.enum(['test', 'planned', 'unplanned']) }).strict(),
} as const;

export type TaskKind = keyof typeof TASK_PAYLOADS;
// Kinds that must not wait behind long tasks (backups, evacuations): claimed first, and from slots
// of their own beyond the worker's concurrency. An HA restart waiting for a backup to end would
// add minutes of downtime to a failover promised in seconds.
export const URGENT_TASK_KINDS: readonly TaskKind[] = ['vm.ha-restart'];
export const URGENT_SLOTS = 4;
// What a producer passes to enqueueTask, and what a handler receives after parsing.
export type TaskPayloadInput<K extends TaskKind> = z.input<(typeof TASK_PAYLOADS)[K]>;
export type TaskPayload<K extends TaskKind> = z.output<(typeof TASK_PAYLOADS)[K]>;
export type RestoreNewPayload = z.output<typeof restoreNewPayload>;
export type RestoreReplacePayload = z.output<typeof restoreReplacePayload>;

// Own keys only: a kind read from the database ('constructor', '__proto__') never reaches Object's.
export const isTaskKind = (kind: string): kind is TaskKind => Object.hasOwn(TASK_PAYLOADS, kind);

export type ParsedPayload<K extends TaskKind> = { ok: true; payload: TaskPayload<K> } | { ok: false; error: AppError };

// Parses a payload as stored (JSON text) or as given (an object) with its kind's schema.
export function tryParseTaskPayload<K extends TaskKind>(kind: K, raw: unknown): ParsedPayload<K> {
  if (!isTaskKind(kind)) return { ok: false, error: taskKindUnknown(kind) }; // a caller's cast
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, error: taskPayloadInvalid(kind, ['not JSON']) };
    }
  }
  const r = TASK_PAYLOADS[kind].safeParse(value);
  // The checker cannot pair a schema looked up by a generic kind with that kind's type; it is its own.
  if (r.success) return { ok: true, payload: r.data as TaskPayload<K> };
  return {
    ok: false,
    error: taskPayloadInvalid(
      kind,
      r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`),
    ),
  };
}

export function parseTaskPayload<K extends TaskKind>(kind: K, raw: unknown): TaskPayload<K> {
  const r = tryParseTaskPayload(kind, raw);
  if (!r.ok) throw r.error;
  return r.payload;
}
