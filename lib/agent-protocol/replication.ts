// Wire schemas of the agent's replication API (docs/ARCHITECTURE.md, "Disaster recovery"), shared
// by the agent routes and lib/agent-client/replication.ts.
//
// A replica lives on a host of another site, as a VM directory of that host's local pool whose
// vm.json says `replica` (start refused) and whose replica.json lists its points: frozen qcow2
// layers, the oldest a full copy, each later one backed by the previous. A run: the target opens a
// writable NBD export of a new layer (`receive`), the source's QEMU (or, for a stopped VM, a
// qemu-storage-daemon) copies the changed clusters into it with `blockdev-backup` (`send`), the
// target freezes and records the layer (`commit`). The chain of trust is a persistent dirty bitmap
// in the source disk named after the replica point it counts from: `vmops-repl-<pointId>`.
import { z } from 'zod';
import { vmIdSchema, vmRuntimeSchema, vmSpecSchema } from './core';

// Chosen by the dashboard: `rpl-<12 hex>`; names the layer file and the source's bitmap.
export const replicaPointIdSchema = z.string().regex(/^rpl-[0-9a-f]{12}$/, 'a replica point id (rpl-<12 hex>)');

export const replicaPointSchema = z
  .object({
    id: replicaPointIdSchema,
    layer: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/), // file in the replica's VM dir
    takenAt: z.string(), // ISO: the source's transaction instant (point-in-time of the copy)
    kind: z.enum(['full', 'incremental']),
    fullReason: z.string().nullable(),
    bytesSent: z.number().min(0), // bytes the source's job copied into the layer
    layerBytes: z.number().min(0), // clusters allocated in the layer file itself
  })
  .strict();
export type ReplicaPoint = z.infer<typeof replicaPointSchema>;

// A throwaway VM started from a replica point (test failover); it blocks pruning of that point.
export const replicaTestSchema = z.object({ vmId: vmIdSchema, pointId: replicaPointIdSchema }).strict();

// GET /v1/replicas/:id -> the replica's state on the target host.
export const replicaStateSchema = z
  .object({
    id: vmIdSchema,
    sourceVmId: vmIdSchema,
    jobId: z.string().min(1).max(64),
    virtualSizeBytes: z.number().int().positive(),
    points: z.array(replicaPointSchema), // oldest first; the newest is the one to send on top of
    tests: z.array(replicaTestSchema),
    promotedFrom: replicaPointIdSchema.nullable(), // set by a failover: the replica is a VM now
  })
  .strict();
export type ReplicaState = z.infer<typeof replicaStateSchema>;

// PUT /v1/replicas/:id (idempotent) -> 200 ReplicaState. Defines the replica VM (start-blocked)
// in the target's local pool; `spec.id` is the replica's id (not the source's).
export const defineReplicaRequestSchema = z
  .object({
    spec: vmSpecSchema,
    sourceVmId: vmIdSchema,
    jobId: z.string().min(1).max(64),
    virtualSizeBytes: z.number().int().positive(),
  })
  .strict();
export type DefineReplicaRequest = z.input<typeof defineReplicaRequestSchema>;

// POST /v1/replicas/:id/receive -> 200 ReceiveSession. A new layer (`.partial`) on top of the
// newest point (or a fresh full one) exported writable over NBD on the address the dashboard
// reached the agent on. The session ends by commit or abort; left alone it is aborted after
// `expiresInMs` (the export closed, the partial removed).
export const receiveRequestSchema = z.object({ pointId: replicaPointIdSchema, full: z.boolean() }).strict();
export const nbdTargetSchema = z
  .object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65_535),
    export: z.string().regex(/^[A-Za-z0-9-]{8,64}$/), // random per session: the only way in
  })
  .strict();
export type NbdTarget = z.infer<typeof nbdTargetSchema>;
export const receiveSessionSchema = z.object({
  pointId: replicaPointIdSchema,
  target: nbdTargetSchema,
  // The point the new layer sits on (null: full). The source must send the changes since it.
  basePointId: replicaPointIdSchema.nullable(),
  expiresInMs: z.number().int().positive(),
});
export type ReceiveSession = z.infer<typeof receiveSessionSchema>;

// POST /v1/vms/:id/replication/send -> 202 Operation, result SendResult. The source copies into
// the session's export: everything (full) or the clusters its bitmap for `basePointId` counts.
// `full` is forced (with the reason) when that bitmap is missing, inconsistent or not recording.
export const sendRequestSchema = z
  .object({
    jobId: z.string().min(1).max(64),
    pointId: replicaPointIdSchema,
    basePointId: replicaPointIdSchema.nullable(),
    target: nbdTargetSchema,
    full: z.boolean(), // asked for by the dashboard (e.g. first run, or "full now")
  })
  .strict();
export type SendRequest = z.infer<typeof sendRequestSchema>;
export const sendResultSchema = z.object({
  pointId: replicaPointIdSchema,
  kind: z.enum(['full', 'incremental']),
  fullReason: z.string().nullable(),
  takenAt: z.string(), // the transaction instant
  bytesSent: z.number().min(0),
  durationMs: z.number().min(0),
  virtualSizeBytes: z.number().int().positive(),
  vmWasRunning: z.boolean(),
});
export type SendResult = z.infer<typeof sendResultSchema>;

// POST /v1/replicas/:id/receive/:pointId/commit -> 200 ReplicaState. Waits (bounded) for the
// export to close, freezes the layer, records the point, then keeps the newest `keep` points
// (older ones merged into their successor; a point a test VM or a promoted disk stands on stays).
export const commitReceiveRequestSchema = z
  .object({
    takenAt: z.string().max(40),
    kind: z.enum(['full', 'incremental']),
    fullReason: z.string().max(1000).nullable(),
    bytesSent: z.number().min(0),
    keep: z.number().int().min(1).max(1000),
  })
  .strict();
export type CommitReceiveRequest = z.infer<typeof commitReceiveRequestSchema>;
// DELETE /v1/replicas/:id/receive/:pointId -> 204 (also after the session expired: idempotent).

// POST /v1/replicas/:id/failover -> 202 Operation, result FailoverResult. The replica becomes a
// VM: a new active disk on the point's layer (points after it are dropped), started.
export const failoverRequestSchema = z.object({ pointId: replicaPointIdSchema, start: z.boolean() }).strict();
export const failoverResultSchema = z.object({ runtime: vmRuntimeSchema, pointId: replicaPointIdSchema });
export type FailoverResult = z.infer<typeof failoverResultSchema>;

// POST /v1/replicas/:id/tests -> 202 Operation, result vmRuntimeSchema. A new VM (`spec.id`) whose
// disk is an overlay on the point's layer, started; it has no network device. Removed with the
// ordinary VM delete; the replica refuses deletion (409 POINT_IN_USE) while tests stand on it.
export const testFailoverRequestSchema = z
  .object({ pointId: replicaPointIdSchema, spec: vmSpecSchema.pick({ id: true, name: true }) })
  .strict();
export type TestFailoverRequest = z.infer<typeof testFailoverRequestSchema>;
// PUT /v1/replicas/:id/boot/:file (kernel | initrd) -> 204: the raw file, at most this large.
export const BOOT_FILE_MAX_BYTES = 256 * 1024 * 1024;

// DELETE /v1/replicas/:id -> 202 Operation (the replica's dir and files; not once promoted: that is
// an ordinary VM then).

// ---- Failback (phase 2; docs/ARCHITECTURE.md, "Disaster recovery"). After a failover from point P
// the promoted replica R (site B) is copied back INTO the protected VM V's own disk (site A), in
// place: only B's writes since P (R's bitmap `vmops-repl-<P>`) and A's own writes since P (V's
// bitmap `vmops-repl-<P>`, overwritten with B's content by the pull) travel.

// POST /v1/vms/:id/replication/export -> 200 ExportSession (B). A READ-ONLY NBD export of the VM's
// active disk: the running VM's own QEMU, or a qemu-storage-daemon when it is stopped (then the VM
// is start-blocked until the export ends). Ended by DELETE or, left alone, after `expiresInMs`.
export const exportRequestSchema = z
  .object({ expiresInMs: z.number().int().min(10_000).max(3_600_000).optional() }) // default 10 min
  .strict();
export type ExportRequest = z.infer<typeof exportRequestSchema>;
export const exportIdSchema = z.string().regex(/^exp-[0-9a-f]{12}$/, 'an export id (exp-<12 hex>)');
export const exportSessionSchema = z.object({
  exportId: exportIdSchema,
  target: nbdTargetSchema, // read-only
  virtualSizeBytes: z.number().int().positive(),
  expiresInMs: z.number().int().positive(),
});
export type ExportSession = z.infer<typeof exportSessionSchema>;
// DELETE /v1/vms/:id/replication/export/:exportId -> 204 (idempotent: also after the expiry).

// POST /v1/vms/:id/replication/pull -> 202 Operation, result PullResult (A, V stopped). Copies from
// `source` (B's export) into V's own disk the clusters V's bitmap `vmops-repl-<basePointId>` counts
// (A's writes since the failover point), so they hold B's content again. V's bitmaps are left as
// they are. `bitmapFound: false` (V has no usable such bitmap: failover to an older point, or
// inconsistent after a hard crash): nothing copied; the first push must then be full.
export const pullRequestSchema = z.object({ basePointId: replicaPointIdSchema, source: nbdTargetSchema }).strict();
export type PullRequest = z.infer<typeof pullRequestSchema>;
export const pullResultSchema = z.object({
  basePointId: replicaPointIdSchema,
  bitmapFound: z.boolean(),
  bytesPulled: z.number().min(0),
  durationMs: z.number().min(0),
  virtualSizeBytes: z.number().int().positive(),
});
export type PullResult = z.infer<typeof pullResultSchema>;

// POST /v1/vms/:id/replication/receive-in-place -> 200 ReceiveSession (A). A writable NBD export of
// V's OWN active disk (no new layer), for B's ordinary `send`. Refused unless V is stopped; V's
// start is refused while the session is open (and after an abort: its disk is then a mix, until a
// later in-place commit). `basePointId` in the answer: the point of the last committed reverse run
// (reverse.json), null before the first.
export const receiveInPlaceRequestSchema = z.object({ pointId: replicaPointIdSchema }).strict();
export type ReceiveInPlaceRequest = z.infer<typeof receiveInPlaceRequestSchema>;
// POST /v1/vms/:id/replication/receive-in-place/:pointId/commit -> 200 InPlaceState. Waits
// (bounded) for the export to close, checks the disk, records reverse.json {basePointId: pointId},
// removes V's `vmops-repl-*` bitmaps and, with `forwardBasePointId` (the switch back), adds an
// empty persistent `vmops-repl-<forwardBasePointId>`: the next forward run is incremental from it.
export const commitInPlaceRequestSchema = z.object({ forwardBasePointId: replicaPointIdSchema.nullable() }).strict();
export type CommitInPlaceRequest = z.infer<typeof commitInPlaceRequestSchema>;
export const inPlaceStateSchema = z.object({
  basePointId: replicaPointIdSchema.nullable(), // the last committed reverse point
  forwardBasePointId: replicaPointIdSchema.nullable(), // the bitmap now on V's disk, if any
  startBlocked: z.boolean(), // a session open or aborted since the last commit
});
export type InPlaceState = z.infer<typeof inPlaceStateSchema>;
// DELETE /v1/vms/:id/replication/receive-in-place/:pointId -> 204 (idempotent). V stays
// start-blocked (its disk is a mix) until an in-place commit.

// POST /v1/replicas/:id/demote -> 200 ReplicaState (B, the promoted replica stopped). Its active
// disk is frozen as the new newest point `pointId` (the final reverse run's content), the replica
// is start-blocked again and `promotedFrom` is cleared.
export const demoteRequestSchema = z.object({ pointId: replicaPointIdSchema }).strict();
export type DemoteRequest = z.infer<typeof demoteRequestSchema>;
