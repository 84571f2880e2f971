// Agent backup API schemas (docs/ARCHITECTURE.md, "Agent HTTP API"): shared by the agent routes
// and the typed client, which validates answers and operation results with them.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';

// Absolute paths only, normalised (no "..", no trailing slash): the agent never resolves a
// caller's path against its own working directory.
const absPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => path.isAbsolute(p), 'must be an absolute path')
  .transform((p) => path.resolve(p));
const qcow2Path = absPath.refine((p) => p.endsWith('.qcow2'), 'must be a .qcow2 file');
const sha256Schema = z.string().regex(/^[a-f0-9]{64}$/, 'a lowercase hex SHA-256');

// Used in file names and QMP bitmap names: no separators, nothing a shell or QEMU would read.
const safeName = (max: number) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${max - 1}}$`), 'letters, digits, ".", "_" and "-" only');

// Restore point ids as the worker makes them. The agent sweeps only files named like this
// (`<pointId>.qcow2`), never anything else a repository directory may hold.
export const POINT_FILE = /^rp-[0-9a-f]{12}\.qcow2$/;
export const newPointId = () => `rp-${randomBytes(6).toString('hex')}`;
// Each point file's manifest sits beside it: <pointId>.json next to <pointId>.qcow2.
export const POINT_MANIFEST = /^rp-[0-9a-f]{12}\.json$/;
// A backup writes only files it may later verify, rebase and delete (backup/repository.ts).
const pointIdSchema = z.string().regex(/^rp-[0-9a-f]{12}$/, 'a restore point id: rp- and 12 lowercase hex digits');
export const manifestPathOf = (qcow2: string) => qcow2.replace(/\.qcow2$/, '.json');

// The VM's configuration at backup time, as the worker keeps it (RestorePointVmSpec).
export const pointVmSpecSchema = z
  .object({
    vcpus: z.number().int().positive(),
    memoryMiB: z.number().int().positive(),
    boot: z
      .object({ kernelPath: z.string().optional(), initrdPath: z.string().optional(), append: z.string().optional() })
      .strict(),
    imageId: z.string().nullable(),
    tags: z.array(z.string()),
  })
  .strict();

export const backupVmRequestSchema = z
  .object({
    pointId: pointIdSchema,
    targetDir: absPath,
    bitmap: safeName(64),
    parent: z.object({ path: qcow2Path }).strict().nullable(),
    forceFull: z.boolean().default(false),
    // Files of the registered restore points in targetDir. When given, the agent removes the
    // other point files there (POINT_FILE) that no backup has written for a while: complete
    // files of runs that were never registered (worker died, operation lost).
    registered: z.array(qcow2Path).max(10_000).optional(),
    // What the point's manifest says about the VM (the agent knows the rest).
    manifest: z.object({ vmName: z.string().min(1).max(200), vmSpec: pointVmSpecSchema }).strict(),
    // Additive: throttles a running VM's backup job (bytes/s of virtual size; tests and benchmarks).
    speedBytesPerSec: z.number().int().positive().optional(),
  })
  .strict();
export type BackupVmRequest = z.input<typeof backupVmRequestSchema>;
export type BackupVmInput = z.output<typeof backupVmRequestSchema>;

export const backupKindSchema = z.enum(['full', 'incremental']);
export type BackupKind = z.infer<typeof backupKindSchema>;

export const backupResultSchema = z.object({
  kind: backupKindSchema,
  fullReason: z.string().nullable(), // why a full was taken (null for an incremental)
  path: z.string(),
  sha256: sha256Schema,
  sizeBytes: z.number().int().nonnegative(), // file size on disk
  virtualSizeBytes: z.number().int().nonnegative(),
  bytesWritten: z.number().int().nonnegative(), // data clusters allocated in this file (qemu-img map)
  durationMs: z.number().nonnegative(),
  takenAt: z.string(), // ISO: the point in time the backup holds
  vmState: z.enum(['running', 'shutoff']),
  removedFiles: z.array(z.string()).default([]), // leftovers of dead or unregistered runs removed first
});
export type BackupResult = z.infer<typeof backupResultSchema>;

// <pointId>.json: the point described without the dashboard's database (disaster recovery):
// its chain link (parent file name in the same directory), checksum and the VM to recreate.
// Written atomically once the qcow2 is final; rewritten by a rebase; deleted with its file.
export const MANIFEST_FORMAT = 1;
export const FLATTENED_REASON = 'flattened when its older points expired'; // a rebase onto nothing
export const pointManifestSchema = z
  .object({
    formatVersion: z.literal(MANIFEST_FORMAT),
    pointId: z.string(),
    vmId: z.string(),
    vmName: z.string(),
    kind: backupKindSchema,
    fullReason: z.string().nullable(),
    takenAt: z.string(),
    parent: z.string().nullable(),
    sha256: sha256Schema,
    sizeBytes: z.number().int().nonnegative(),
    virtualSizeBytes: z.number().int().nonnegative(),
    bytesWritten: z.number().int().nonnegative(),
    durationMs: z.number().nonnegative(),
    vmSpec: pointVmSpecSchema,
  })
  .strict();
export type PointManifest = z.infer<typeof pointManifestSchema>;

// repository: the registered repository directory the files belong to; the agent hashes only
// .qcow2 files inside it (never a VM disk or an image), so it is no checksum oracle for any path.
export const verifyBackupRequestSchema = z
  .object({
    repository: absPath,
    files: z
      .array(z.object({ path: qcow2Path, sha256: sha256Schema }).strict())
      .min(1)
      .max(1000),
  })
  .strict();
export type VerifyBackupRequest = z.input<typeof verifyBackupRequestSchema>;
export type VerifyBackupInput = z.output<typeof verifyBackupRequestSchema>;

// manifest: the file's manifest as read (null: none there, or manifestError says why unreadable);
// the caller compares it with what it registered.
export const verifyBackupResultSchema = z.object({
  files: z.array(
    z.object({
      path: z.string(),
      ok: z.boolean(),
      actualSha256: sha256Schema.nullable(),
      error: z.string().nullable(),
      manifest: pointManifestSchema.nullable(),
      manifestError: z.string().nullable(),
    }),
  ),
});
export type VerifyBackupResult = z.infer<typeof verifyBackupResultSchema>;

export const deleteBackupRequestSchema = z
  .object({
    paths: z
      .array(
        absPath.refine(
          (p) => /\.(qcow2|json)(\.partial)?$/.test(p),
          'only restore point files (.qcow2, .json or their .partial)',
        ),
      )
      .min(1)
      .max(1000),
  })
  .strict();
export type DeleteBackupRequest = z.input<typeof deleteBackupRequestSchema>;
// Paths that no longer exist after the call (removed now or already gone): a retry is harmless.
// A .qcow2's manifest goes with it and is listed too.
export const deleteBackupResponseSchema = z.object({ deleted: z.array(z.string()) });

export const rebaseBackupRequestSchema = z.object({ path: qcow2Path, backingPath: qcow2Path.nullable() }).strict();
export type RebaseBackupRequest = z.input<typeof rebaseBackupRequestSchema>;
// manifestUpdated: false when the file has no manifest (taken before manifests existed).
export const rebaseBackupResultSchema = z.object({
  sha256: sha256Schema,
  sizeBytes: z.number().int().nonnegative(),
  manifestUpdated: z.boolean(),
});
export type RebaseBackupResult = z.infer<typeof rebaseBackupResultSchema>;

// path as typed: the agent refuses ".." and other tricks itself (path-rules.ts) rather than resolving them.
export const repositoryCheckRequestSchema = z
  .object({ path: z.string().min(1).max(4096), create: z.boolean() })
  .strict();
export type RepositoryCheckRequest = z.input<typeof repositoryCheckRequestSchema>;
export const repositoryStatusSchema = z.object({
  exists: z.boolean(),
  writable: z.boolean(),
  totalBytes: z.number().nonnegative(), // of the filesystem holding the path (or its nearest existing parent)
  freeBytes: z.number().nonnegative(), // available to this (unprivileged) user
  usedBytes: z.number().nonnegative(), // allocated bytes of the files under path
  usedBytesPartial: z.boolean(), // the walk hit its time / depth / entry bound: usedBytes is "at least"
  resolvedPath: z.string(), // the path with every symlink resolved: what the dashboard stores
});
export type RepositoryStatus = z.infer<typeof repositoryStatusSchema>;
