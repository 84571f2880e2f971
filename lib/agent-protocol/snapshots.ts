// Wire schemas of the agent's snapshot/checkpoint API (docs/ARCHITECTURE.md, "Snapshots and
// checkpoints"), shared by the agent routes and lib/agent-client/snapshots.ts.
//
// A point is a frozen qcow2 layer in the VM's directory (external snapshot) and, for a checkpoint,
// a memory state file beside it. <vmDir>/points.json is the agent's truth about which file is
// which point; the dashboard keeps the history (Snapshot rows) under the same ids.
import { z } from 'zod';
import { vmIdSchema, vmRuntimeSchema, vmSpecSchema } from './core';

// Chosen by the dashboard (a cuid is lowercase alphanumerics); names files in the VM directory.
export const pointIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'lowercase id');

// disk: disk only (external qcow2 overlay, taken live); memory: disk + RAM/CPU/device state.
export const pointKindSchema = z.enum(['disk', 'memory']);
export type PointKind = z.infer<typeof pointKindSchema>;

// File names relative to the VM directory: a plain name, never a path.
const fileNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a file name in the VM directory');

export const pointRecordSchema = z
  .object({
    id: pointIdSchema,
    kind: pointKindSchema,
    layer: fileNameSchema, // frozen qcow2 holding the disk as it was at this point
    stateFile: fileNameSchema.nullable(), // memory checkpoints only
    parentId: pointIdSchema.nullable(), // the point the VM's state descended from when taken (tree)
    takenAt: z.string(), // ISO
    wasRunning: z.boolean(), // a checkpoint of a running VM comes back running
    layerBytes: z.number().min(0),
    stateBytes: z.number().min(0),
    downtimeMs: z.number().min(0).nullable(), // QEMU's own figure (query-migrate downtime)
    pauseMs: z.number().min(0).nullable(), // STOP -> RESUME events as the agent saw them
    groupId: z.string().max(128).nullable(), // part of a multi-VM checkpoint
  })
  .strict();
export type PointRecord = z.infer<typeof pointRecordSchema>;

// <vmDir>/points.json. `active` is the file the VM writes now; `currentId` the point it descends from.
export const pointsFileSchema = z
  .object({
    format: z.literal(1),
    vmId: vmIdSchema,
    active: fileNameSchema,
    currentId: pointIdSchema.nullable(),
    points: z.array(pointRecordSchema),
  })
  .strict();
export type PointsFile = z.infer<typeof pointsFileSchema>;

// What a VM can take now, from its real configuration; `reason` says why not (shown, and the
// refusal's message: 409 POINT_UNSUPPORTED).
export const capabilitySchema = z.object({ ok: z.boolean(), reason: z.string().nullable() });
export const pointCapabilitiesSchema = z.object({
  disk: capabilitySchema, // disk snapshot
  memory: capabilitySchema, // checkpoint with memory
  revert: capabilitySchema,
  clone: capabilitySchema,
});
export type PointCapabilities = z.infer<typeof pointCapabilitiesSchema>;

// GET /v1/vms/:id/points
export const vmPointsSchema = z.object({
  points: z.array(pointRecordSchema),
  currentId: pointIdSchema.nullable(),
  capabilities: pointCapabilitiesSchema,
  // Linked clones (VM ids on this host/pool) whose disks sit on each point's layer.
  clones: z.array(z.object({ vmId: vmIdSchema, pointId: pointIdSchema })),
  // This VM is itself a linked clone of another VM's point (null once made independent).
  linkedTo: z.object({ vmId: vmIdSchema, pointId: pointIdSchema }).nullable(),
});
export type VmPoints = z.infer<typeof vmPointsSchema>;

// POST /v1/vms/:id/points -> 202 Operation, result PointRecord.
export const takePointRequestSchema = z.object({ id: pointIdSchema, kind: pointKindSchema }).strict();
export type TakePointRequest = z.infer<typeof takePointRequestSchema>;

// POST /v1/vms/:id/points/:pointId/revert -> 202 Operation, result revertResultSchema.
// A checkpoint comes back exactly where it was (running if it was); a disk snapshot of a running
// VM restarts the VM on that disk; a stopped VM stays stopped after a disk revert.
export const revertResultSchema = z.object({
  vm: vmRuntimeSchema,
  revertMs: z.number().min(0),
  resumedFromMemory: z.boolean(),
});
export type RevertResult = z.infer<typeof revertResultSchema>;

// DELETE /v1/vms/:id/points/:pointId -> 202 Operation (merge with block-commit, explicit base),
// result null. 409 POINT_IN_USE while linked clones depend on its layer.

// POST /v1/vms/:id/points/:pointId/clone -> 202 Operation, result VmRuntime of the new VM (same
// pool and host; its disk is an overlay on the point's layer: no data copied).
export const cloneRequestSchema = z
  .object({ vm: vmSpecSchema.omit({ pool: true }), start: z.boolean().default(false) })
  .strict();
export type CloneRequest = z.input<typeof cloneRequestSchema>;

// POST /v1/vms/:id/detach -> 202 Operation: a linked clone copies what it reads from its parent's
// layers (block-stream live, qemu-img rebase offline) and no longer depends on them. Progress in
// detail: { bytesDone, bytesTotal }. Result null.

// Multi-VM checkpoint, two phases so several hosts stop at one instant:
// POST /v1/points/group/pause  -> 200 { paused: [{vmId, stoppedAt}] }; the agent resumes them by
//   itself after holdMs if no capture follows (a worker that died mid-way never leaves VMs paused).
// POST /v1/points/group/capture -> 202 Operation, result groupCaptureResultSchema; every VM
//   resumes as soon as its disk snapshot (and, with memory, its background state write) started.
// POST /v1/points/group/resume -> 200 (abort: resumes the paused VMs of that group).
// POST /v1/points/group/prepare (additive, optional, same body as pause with prepare) -> 200
//   { prepared: [vmId] }: checks, locks and readies every VM's point while the VMs run; the pause
//   that follows then only stops them (no host waits stopped for another host's preparations).
// prepare (optional, additive): the capture that will follow. Each VM's new layer (and, for memory,
// the state write settings) is made ready before it stops, so its pause is the QMP transaction only.
const groupItemsSchema = z
  .array(z.object({ vmId: vmIdSchema, pointId: pointIdSchema }).strict())
  .min(1)
  .max(256);
export const groupPauseRequestSchema = z
  .object({
    groupId: pointIdSchema,
    vmIds: z.array(vmIdSchema).min(1).max(256),
    holdMs: z.number().int().min(100).max(30_000).default(5_000),
    prepare: z.object({ kind: pointKindSchema, items: groupItemsSchema }).strict().optional(),
  })
  .strict();
export type GroupPauseRequest = z.input<typeof groupPauseRequestSchema>;
export const groupPauseResultSchema = z.object({
  paused: z.array(z.object({ vmId: vmIdSchema, stoppedAt: z.number() })),
});
export type GroupPauseResult = z.infer<typeof groupPauseResultSchema>;
export const groupPrepareResultSchema = z.object({ prepared: z.array(vmIdSchema) });

export const groupCaptureRequestSchema = z
  .object({
    groupId: pointIdSchema,
    kind: pointKindSchema,
    items: z
      .array(z.object({ vmId: vmIdSchema, pointId: pointIdSchema }).strict())
      .min(1)
      .max(256),
  })
  .strict();
export type GroupCaptureRequest = z.infer<typeof groupCaptureRequestSchema>;
export const groupCaptureResultSchema = z.object({
  points: z.array(z.object({ vmId: vmIdSchema, point: pointRecordSchema, resumedAt: z.number() })),
});
export type GroupCaptureResult = z.infer<typeof groupCaptureResultSchema>;

export const groupResumeRequestSchema = z
  .object({ groupId: pointIdSchema, vmIds: z.array(vmIdSchema).min(1).max(256) })
  .strict();
export type GroupResumeRequest = z.infer<typeof groupResumeRequestSchema>;

// POST /v1/points/group/revert -> 202 Operation: each VM goes back to its point of the group;
// all wait paused at the end and resume together (result: { resumedAt }).
export const groupRevertRequestSchema = z
  .object({
    groupId: pointIdSchema,
    items: z
      .array(z.object({ vmId: vmIdSchema, pointId: pointIdSchema }).strict())
      .min(1)
      .max(256),
    resume: z.boolean().default(true),
  })
  .strict();
export type GroupRevertRequest = z.input<typeof groupRevertRequestSchema>;
