// Wire protocol between the dashboard/worker and a host agent. Shared by lib/agent (server side)
// and lib/agent-client (typed client); every body crossing the wire is parsed with these schemas.
import { z } from 'zod';

export const AGENT_API_VERSION = 'v1';

export const vmIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'lowercase id');

export const accelSchema = z.enum(['kvm', 'tcg', 'none']);
export type Accelerator = z.infer<typeof accelSchema>;

export const driverKindSchema = z.enum(['qemu', 'simulated']);
export type DriverKind = z.infer<typeof driverKindSchema>;

export const poolInfoSchema = z.object({
  name: z.string(), // 'local' | 'shared' (more pools may be configured later)
  kind: z.enum(['local', 'shared']),
  path: z.string(),
  totalBytes: z.number(),
  freeBytes: z.number(),
});
export type PoolInfo = z.infer<typeof poolInfoSchema>;

export const agentInfoSchema = z.object({
  hostName: z.string(),
  agentVersion: z.string(),
  driver: driverKindSchema,
  qemuVersion: z.string().nullable(),
  accelerator: accelSchema,
  acceleratorReason: z.string(),
  cpuCount: z.number().int(),
  cpuModel: z.string(),
  memoryTotalBytes: z.number(),
  kernel: z.string(),
  pools: z.array(poolInfoSchema),
});
export type AgentInfo = z.infer<typeof agentInfoSchema>;

// Runtime state as QEMU reports it ('running', 'paused', 'shutoff' when no process, 'crashed'
// when the process died without a clean quit).
export const vmRuntimeStateSchema = z.enum(['running', 'paused', 'shutoff', 'crashed']);
export type VmRuntimeState = z.infer<typeof vmRuntimeStateSchema>;

export const vmRuntimeSchema = z.object({
  id: vmIdSchema,
  name: z.string(),
  state: vmRuntimeStateSchema,
  pid: z.number().int().nullable(),
  pool: z.string(),
  diskPath: z.string(),
  startedAt: z.string().nullable(), // ISO
  vcpus: z.number().int(),
  memoryMiB: z.number().int(),
  accelerator: accelSchema,
  guestReady: z.boolean(), // the guest printed its ready line on the serial console
});
export type VmRuntime = z.infer<typeof vmRuntimeSchema>;

const bootSchema = z
  .object({
    kernelPath: z.string().optional(),
    initrdPath: z.string().optional(),
    append: z.string().optional(),
  })
  .strict();

export const createVmRequestSchema = z
  .object({
    id: vmIdSchema,
    name: z.string().min(1).max(63),
    vcpus: z.number().int().min(1).max(64),
    memoryMiB: z.number().int().min(32).max(1024 * 1024),
    diskSizeBytes: z.number().int().positive(),
    pool: z.string().default('local'),
    baseImagePath: z.string(), // absolute path of the read-only image disk (backing file)
    boot: bootSchema.default({}),
    start: z.boolean().default(true),
  })
  .strict();
export type CreateVmRequest = z.input<typeof createVmRequestSchema>;

export const stopVmRequestSchema = z
  .object({ force: z.boolean().default(false), timeoutSec: z.number().int().min(1).max(600).default(60) })
  .strict();

export const serialRequestSchema = z.object({ line: z.string().min(1).max(512) }).strict();

export const consoleResponseSchema = z.object({ lines: z.array(z.string()) });

const sourceSchema = z.union([
  z.object({ path: z.string().startsWith('/', 'absolute path') }).strict(),
  z.object({ url: z.string().url().refine((u) => /^https?:/.test(u), 'http(s) only') }).strict(),
]);
export type ImageSource = z.infer<typeof sourceSchema>;

export const importImageRequestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, . _ -'),
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/),
    description: z.string().max(500).optional(),
    disk: sourceSchema,
    kernel: sourceSchema.optional(),
    initrd: sourceSchema.optional(),
    append: z.string().max(500).optional(),
    sha256: z.string().regex(/^[a-f0-9]{64}$/).optional(), // expected sha256 of the disk source
  })
  .strict();
export type ImportImageRequest = z.input<typeof importImageRequestSchema>;

export const imageManifestSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string().optional(),
  format: z.literal('qcow2'),
  sizeBytes: z.number(), // bytes on disk of disk.qcow2
  virtualSizeBytes: z.number(),
  sha256: z.string(), // of disk.qcow2 as stored
  diskPath: z.string(),
  kernelPath: z.string().optional(),
  initrdPath: z.string().optional(),
  append: z.string().optional(),
  importedAt: z.string(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export const operationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  state: z.enum(['running', 'succeeded', 'failed']),
  progress: z.number().min(0).max(1),
  message: z.string(),
  error: z.string().nullable(),
  // Live figures of a running operation (e.g. migration phase and bytes), shown as progress.
  detail: z.record(z.string(), z.unknown()).nullable().default(null),
  result: z.unknown().nullable(),
});
export type Operation = z.infer<typeof operationSchema>;

// ---- pushed by the agent to the dashboard ----

export const hostSampleSchema = z.object({
  cpuPct: z.number(),
  memUsedBytes: z.number(),
  memTotalBytes: z.number(),
  load1: z.number(),
  load5: z.number(),
  load15: z.number(),
});
export type HostSample = z.infer<typeof hostSampleSchema>;

export const vmSampleSchema = z.object({
  id: vmIdSchema,
  state: vmRuntimeStateSchema,
  guestReady: z.boolean(),
  cpuPct: z.number(),
  rssBytes: z.number(),
  diskRdBytes: z.number(),
  diskWrBytes: z.number(),
  diskRdOps: z.number(),
  diskWrOps: z.number(),
});
export type VmSample = z.infer<typeof vmSampleSchema>;

export const heartbeatSchema = z.object({
  at: z.string(), // ISO time of the sample
  info: agentInfoSchema,
  host: hostSampleSchema,
  vms: z.array(vmSampleSchema),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const enrollRequestSchema = z
  .object({ token: z.string().min(16), name: z.string().min(1).max(63), agentUrl: z.string().url(), info: agentInfoSchema })
  .strict();
export const enrollResponseSchema = z.object({ hostId: z.string(), secret: z.string() });

// Error body the agent answers with; codes mirror lib/http/errors.
export const agentErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), data: z.unknown().optional() }),
});
