// Wire protocol between the dashboard/worker and a host agent. Shared by lib/agent (server side)
// and lib/agent-client (typed client); every body crossing the wire is parsed with these schemas.
import { z } from 'zod';

export const AGENT_API_VERSION = 'v1';

export const vmIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'lowercase id');
// Host and pool names: the agent's --name charset (they name directories and appear in logs).
export const agentNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and -');

// An absolute host path as the dashboard sends it: bounded, no NUL (fs calls throw on it) and
// already normalised (no "", "." or ".." segments), so the path an agent checks is the one it opens.
const isNormalAbsPath = (p: string) =>
  p.startsWith('/') &&
  !p.includes('\0') &&
  (p === '/' ||
    p
      .slice(1)
      .split('/')
      .every((seg) => seg !== '' && seg !== '.' && seg !== '..'));
export const absPathSchema = z
  .string()
  .max(4096)
  .refine(isNormalAbsPath, 'an absolute, normalised path (no "..", "." or "//", no NUL)');

// Bounded, finite figures: JSON's 1e400 parses as Infinity and 1e308 overflows a BigInt column.
const bytesSchema = z.number().min(0).max(Number.MAX_SAFE_INTEGER);
const pctSchema = z.number().min(0).max(100);
// Linux's x86 kernel command line holds 2048 bytes.
const KERNEL_APPEND_MAX = 2048;

export const accelSchema = z.enum(['kvm', 'tcg', 'none']);
export type Accelerator = z.infer<typeof accelSchema>;

export const driverKindSchema = z.enum(['qemu', 'simulated']);
export type DriverKind = z.infer<typeof driverKindSchema>;

export const poolInfoSchema = z
  .object({
    name: agentNameSchema, // 'local' | 'shared' (more pools may be configured later)
    kind: z.enum(['local', 'shared']),
    path: absPathSchema,
    totalBytes: bytesSchema,
    freeBytes: bytesSchema,
  })
  .strict();
export type PoolInfo = z.infer<typeof poolInfoSchema>;

// Pushed in every heartbeat and at enrollment: strict and bounded, like any input.
export const agentInfoSchema = z
  .object({
    hostName: agentNameSchema,
    // Disaster recovery: the site the host belongs to (hosts of one site share storage).
    site: agentNameSchema.default('main'),
    agentVersion: z.string().min(1).max(64),
    driver: driverKindSchema,
    qemuVersion: z.string().max(200).nullable(),
    accelerator: accelSchema,
    acceleratorReason: z.string().max(1000),
    cpuCount: z.number().int().min(1).max(65_536),
    cpuModel: z.string().max(200),
    memoryTotalBytes: bytesSchema,
    kernel: z.string().max(200),
    pools: z.array(poolInfoSchema).max(64),
  })
  .strict();
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
    kernelPath: absPathSchema.optional(),
    initrdPath: absPathSchema.optional(),
    append: z.string().max(KERNEL_APPEND_MAX).optional(),
  })
  .strict();

// qcow2 takes far more; this is a sanity bound (the dashboard allows 16 TiB).
export const DISK_SIZE_MAX_BYTES = 64 * 1024 ** 4;

// The VM a host is asked to run, as create, restore and incoming migration describe it: one
// schema, so the three cannot drift apart; each extends it with its disk's source.
export const vmSpecSchema = z
  .object({
    id: vmIdSchema,
    name: z.string().min(1).max(63),
    vcpus: z.number().int().min(1).max(64),
    memoryMiB: z
      .number()
      .int()
      .min(32)
      .max(1024 * 1024),
    pool: agentNameSchema.default('local'),
    boot: bootSchema.default({}),
  })
  .strict();

export const createVmRequestSchema = vmSpecSchema.extend({
  diskSizeBytes: z.number().int().positive().max(DISK_SIZE_MAX_BYTES),
  baseImagePath: absPathSchema, // the read-only image disk (backing file)
  start: z.boolean().default(true),
});
export type CreateVmRequest = z.input<typeof createVmRequestSchema>;

export const stopVmRequestSchema = z
  .object({ force: z.boolean().default(false), timeoutSec: z.number().int().min(1).max(600).default(60) })
  .strict();

// One line: a newline or other control character inside would type more than the caller asked for.
export const serialRequestSchema = z
  .object({
    line: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^\x00-\x1f\x7f]*$/, 'one line of text, no control characters'),
  })
  .strict();

// `lines` are whole lines only; `partial` is the unfinished last line (a prompt, a reply being written).
export const consoleResponseSchema = z.object({ lines: z.array(z.string()), partial: z.string() });

const sourceSchema = z.union([
  // Not required to be normalised: the import resolves it and checks it against its import locations.
  z.object({ path: z.string().max(4096).startsWith('/', 'absolute path') }).strict(),
  z
    .object({
      url: z
        .string()
        .max(4096)
        .url()
        .refine((u) => /^https?:/.test(u), 'http(s) only'),
    })
    .strict(),
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
    sha256: z
      .string()
      .regex(/^[a-f0-9]{64}$/)
      .optional(), // expected sha256 of the disk source
    minMemoryMiB: z
      .number()
      .int()
      .min(16)
      .max(1024 * 1024)
      .optional(), // VMs of this image get at least this much
  })
  .strict();
export type ImportImageRequest = z.input<typeof importImageRequestSchema>;
// POST /v1/images/check-sources: the import's location checks alone (204 or the import's error).
export const importSourcesSchema = importImageRequestSchema.pick({ disk: true, kernel: true, initrd: true }).strict();
export type ImportSources = z.input<typeof importSourcesSchema>;

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
  minMemoryMiB: z.number().int().optional(), // absent in manifests written before it existed
  importedAt: z.string(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

// Where this agent may import from (its own image store always; more as an admin configures).
export const importLocationsSchema = z.object({ dirs: z.array(z.string()), urlPrefixes: z.array(z.string()) });

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

const loadSchema = z.number().min(0).max(1_000_000);
export const hostSampleSchema = z
  .object({
    cpuPct: pctSchema,
    memUsedBytes: bytesSchema,
    memTotalBytes: bytesSchema,
    load1: loadSchema,
    load5: loadSchema,
    load15: loadSchema,
  })
  .strict();
export type HostSample = z.infer<typeof hostSampleSchema>;

export const vmSampleSchema = z
  .object({
    id: vmIdSchema,
    state: vmRuntimeStateSchema,
    guestReady: z.boolean(),
    cpuPct: pctSchema, // of the VM's own vCPUs
    rssBytes: bytesSchema,
    diskRdBytes: bytesSchema,
    diskWrBytes: bytesSchema,
    diskRdOps: bytesSchema,
    diskWrOps: bytesSchema,
  })
  .strict();

export const HEARTBEAT_MAX_VMS = 4096;
export type VmSample = z.infer<typeof vmSampleSchema>;

export const heartbeatSchema = z
  .object({
    at: z.iso.datetime(), // time of the sample (a real date: "2026-02-30" is refused)
    info: agentInfoSchema,
    host: hostSampleSchema,
    vms: z
      .array(vmSampleSchema)
      .max(HEARTBEAT_MAX_VMS)
      .refine((vms) => new Set(vms.map((v) => v.id)).size === vms.length, 'each VM at most once'),
  })
  .strict();
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const enrollRequestSchema = z
  .object({
    token: z.string().min(16).max(256),
    name: agentNameSchema,
    agentUrl: z.url({ protocol: /^https?$/ }).max(2048),
    info: agentInfoSchema,
  })
  .strict();
// agentToken: the agent's bearer for its calls to the dashboard; dashboardSecret: the bearer the
// dashboard and worker present to the agent. Two one-way credentials (the dashboard keeps a hash
// of the first and the second encrypted).
export const enrollResponseSchema = z.object({
  hostId: z.string(),
  agentToken: z.string().min(1),
  dashboardSecret: z.string().min(1),
});

// Error body the agent answers with; codes mirror lib/http/errors.
export const agentErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), data: z.unknown().optional() }),
});
