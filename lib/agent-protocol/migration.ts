// Wire schemas of the agent's live migration API (docs/ARCHITECTURE.md, "Agent HTTP API"), shared
// by the routes and lib/agent-client/migration.ts.
import { z } from 'zod';
import { absPathSchema as absPath, DISK_SIZE_MAX_BYTES, vmSpecSchema } from './core';
export const migrationModeSchema = z.enum(['shared', 'storage']);
export type MigrationMode = z.infer<typeof migrationModeSchema>;

// What the source agent applies when the caller sets no limit, and what the dashboard's estimate
// assumes until it has measured migrations between two hosts. 1 GiB/s is about what a 10 GbE
// link carries: a migration never takes more than that link, and the estimate's assumption is a
// real cap rather than a guess (QEMU's own default throttles far below a LAN).
export const DEFAULT_MAX_BANDWIDTH_BYTES = 1024 ** 3;
export const DEFAULT_DOWNTIME_LIMIT_MS = 300;

export const incomingRequestSchema = z
  .object({
    vm: vmSpecSchema.extend({
      diskSizeBytes: z.number().int().positive().max(DISK_SIZE_MAX_BYTES),
      diskPath: absPath.nullable(), // shared mode: the disk both hosts reach
      backingPath: absPath.nullable(), // storage mode: the (shared) image the source disk is based on
    }),
    mode: migrationModeSchema,
  })
  .strict()
  .refine((r) => r.mode !== 'shared' || r.vm.diskPath !== null, {
    message: 'shared mode needs the shared disk',
    path: ['vm', 'diskPath'],
  });
export type IncomingRequest = z.input<typeof incomingRequestSchema>;

// An address as the target reports it (IPv4, IPv6 bare or in brackets, a DNS name) and a port:
// they reach QEMU's migrate URI and NBD options, so nothing else is let through.
const hostSchema = z.string().regex(/^[A-Za-z0-9.:[\]-]{1,255}$/, 'an IP address or host name');
const portSchema = z.number().int().min(1).max(65535);
const MIGRATION_URI = /^tcp:[A-Za-z0-9.:[\]-]{1,255}:\d{1,5}$/;

// backingPath: the image under the target's fresh disk; the source mirrors only its own top layer
// when its disk sits on that same image, and everything otherwise.
export const nbdTargetSchema = z
  .object({
    host: hostSchema,
    port: portSchema,
    exportName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
    backingPath: absPath.nullable().default(null),
  })
  .strict();

export const incomingResponseSchema = z.object({ migrationUri: z.string(), nbd: nbdTargetSchema.nullable() });
export type IncomingResponse = z.infer<typeof incomingResponseSchema>;

export const migrateRequestSchema = z
  .object({
    migrationUri: z.string().regex(MIGRATION_URI, 'tcp:<host>:<port>'),
    nbd: nbdTargetSchema.nullable(),
    mode: migrationModeSchema,
    downtimeLimitMs: z.number().int().min(1).max(60_000).optional(),
    maxBandwidthBytes: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((r) => r.mode !== 'storage' || r.nbd !== null, {
    message: 'storage mode needs the target NBD export',
    path: ['nbd'],
  });
export type MigrateRequest = z.input<typeof migrateRequestSchema>;

export const migrationPhaseSchema = z.enum(['mirror', 'memory', 'completing']);
export type MigrationDetail = {
  phase: z.infer<typeof migrationPhaseSchema>;
  transferredBytes: number;
  remainingBytes: number;
  totalBytes: number;
  dirtyPagesRate: number; // pages/s
  expectedDowntimeMs: number | null;
};

// downtimeMs is QEMU's figure (source stop to last state byte sent); stoppedAt lets a caller
// that also knows when the target resumed (its log) compute the pause the guest saw.
// bytesTransferred counts memory and disk (mirror) bytes; diskBytes the mirror alone.
// guestReady: the guest had printed its ready line on the source before the switch-over (the
// target's console never sees that line, so the worker passes it on to finishIncoming).
export const migrateResultSchema = z.object({
  totalMs: z.number(),
  downtimeMs: z.number(),
  bytesTransferred: z.number(),
  diskBytes: z.number(),
  stoppedAt: z.string().nullable().default(null),
  guestReady: z.boolean().default(false),
});
export type MigrateResult = z.infer<typeof migrateResultSchema>;

// Target, once the whole state is in: the VM is adopted here, ready if it was on the source.
export const finishIncomingRequestSchema = z.object({ guestReady: z.boolean() }).strict();
export type FinishIncomingRequest = z.input<typeof finishIncomingRequestSchema>;

// Source, once the target runs the guest: remove this host's copy (storage: the VM directory and
// its disk; shared: only this host's run files).
export const finishOutgoingRequestSchema = z.object({ mode: migrationModeSchema }).strict();
export type FinishOutgoingRequest = z.input<typeof finishOutgoingRequestSchema>;

// Where a VM stands on its source: an outgoing migration under way, handed over (QEMU completed
// the migration and keeps the paused guest and its disk until finished or resumed), or neither.
export const outgoingStatusSchema = z.object({ state: z.enum(['none', 'migrating', 'handed-over']) });
export type OutgoingStatus = z.infer<typeof outgoingStatusSchema>;

// memoryInUseBytes: guest RAM holding data (non-zero pages, sampled: lib/agent/qemu/guest-ram.ts),
// what a migration will send of it; null when it could not be read.
export const dirtyRateSchema = z.object({
  dirtyRateMiBps: z.number(),
  memoryInUseBytes: z.number().nullable(),
  measuredAt: z.string(),
});
export type DirtyRate = z.infer<typeof dirtyRateSchema>;

// Link probe (probe.ts): POST /v1/probe/incoming -> 201 ProbeIncoming on the target; POST
// /v1/probe/send {migrationUri} -> 200 ProbeResult on the source; POST
// /v1/probe/incoming/:probeId/finish -> 200 {arrived} on the target.
export const probeIncomingSchema = z.object({
  probeId: z.string(),
  migrationUri: z.string(),
  qemuStartMs: z.number().int().min(0),
});
export type ProbeIncoming = z.infer<typeof probeIncomingSchema>;
export const probeSendRequestSchema = z
  .object({ migrationUri: z.string().regex(MIGRATION_URI, 'tcp:<host>:<port>') })
  .strict();
export const probeResultSchema = z.object({
  bytes: z.number().min(0),
  transferMs: z.number().min(0),
  downtimeMs: z.number().min(0),
});
export type ProbeResult = z.infer<typeof probeResultSchema>;
export const probeFinishSchema = z.object({ arrived: z.boolean() });
