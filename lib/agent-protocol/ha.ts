// Wire schemas of the agent's HA API (docs/ARCHITECTURE.md, "High availability"), shared by the
// agent's routes and lib/agent-client/ha.ts. The lease algorithm is sanlock's delta lease: each
// host writes only its own lease file; others judge it by watching its counter on their own
// monotonic clock.
import { z } from 'zod';
import { vmIdSchema } from './core';

// Agent names as config.ts allows them (the lease file is <shared>/ha/leases/<name>.lease).
export const hostNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'an agent name');

// The lease record on shared storage, written only by its owner (tmp file in the same dir,
// fdatasync, rename, dir fsync). `renewedAt` is the owner's wall clock: shown, never compared.
export const leaseRecordSchema = z
  .object({
    format: z.literal(1),
    host: hostNameSchema,
    generation: z.number().int().min(1), // +1 each time an agent process acquires the lease
    counter: z.number().int().min(0), // +1 on every renewal
    renewedAt: z.string(),
    // The owner's lease timeout: a peer waits the longer of its own and this, so a host configured
    // with a longer fence delay is never declared expired before it has fenced.
    timeoutMs: z.number().int().positive().max(3_600_000).optional(),
  })
  .strict();
export type LeaseRecord = z.infer<typeof leaseRecordSchema>;

// live: counter moved within the timeout; suspect: no change for more than 2 renew intervals;
// expired: no change for the whole timeout on the observer's monotonic clock, seen by a read that
// succeeded; unreadable: the observer could not read it lately (no evidence either way).
export const peerLeaseStateSchema = z.enum(['live', 'suspect', 'expired', 'unreadable']);
export type PeerLeaseState = z.infer<typeof peerLeaseStateSchema>;

export const peerLeaseSchema = z.object({
  host: hostNameSchema,
  generation: z.number().int(),
  counter: z.number().int(),
  renewedAt: z.string(), // the owner's wall clock, for people
  unchangedForMs: z.number().int().min(0), // observer's monotonic clock, up to its last good read
  lastReadAgeMs: z.number().int().min(0).nullable(), // null: never read
  state: peerLeaseStateSchema,
});
export type PeerLease = z.infer<typeof peerLeaseSchema>;

export const haTimingSchema = z.object({
  renewMs: z.number().int().positive(),
  timeoutMs: z.number().int().positive(), // others declare the lease expired after this
  fenceAfterMs: z.number().int().positive(), // timeoutMs - margin: self-fence after this without renewal
});
export type HaTiming = z.infer<typeof haTimingSchema>;

// GET /v1/ha/status: this host's own lease, what it sees of the others, and its hardware errors.
export const haStatusSchema = z.object({
  host: hostNameSchema,
  timing: haTimingSchema,
  lease: z.object({
    generation: z.number().int(),
    counter: z.number().int(),
    lastRenewAgeMs: z.number().int().min(0).nullable(), // since the start of the last successful renewal
    valid: z.boolean(), // renewed within fenceAfterMs: may run shared-storage VMs
    fenced: z.boolean(), // fenced since its last valid moment: refuses to start shared VMs
    fencedAt: z.string().nullable(),
    fencedVmIds: z.array(z.string()),
    lastError: z.string().nullable(),
  }),
  peers: z.array(peerLeaseSchema),
  edac: z.object({
    readable: z.boolean(), // false: no EDAC directory (no error counters on this host)
    correctedErrors: z.number().int().min(0),
    uncorrectedErrors: z.number().int().min(0),
  }),
});
export type HaStatus = z.infer<typeof haStatusSchema>;

// POST /v1/ha/takeover: start a shared-pool VM whose owner host's lease this agent has itself seen
// expire. 409 LEASE_HELD while that lease is not expired here (or this host's own lease is not
// valid); 404 without the VM's vm.json; 409 when its owner is not fromHost.
export const takeoverRequestSchema = z.object({ vmId: vmIdSchema, fromHost: hostNameSchema }).strict();
export type TakeoverRequest = z.infer<typeof takeoverRequestSchema>;
