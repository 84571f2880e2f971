// A replica's files on the target host (docs/ARCHITECTURE.md, "Disaster recovery"): a VM directory
// of the host's local pool holding vm.json (marked `replicaOf`: start refused), replica.json (the
// points, the tests standing on them, promotedFrom), the frozen layers `layer-<pointId>.qcow2`, a
// `.partial` layer while a point is received, `nbd.pid` of that receive's qemu-nbd, and the boot
// file copies `boot-kernel` / `boot-initrd`.
import { open, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { conflict, noSuchObject, qemuError } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import { withDeadline } from '../fs-bounds';
import { allocatedBytes } from '../qemu/backup-img';
import type { QemuContext } from '../qemu/context';
import { readJson } from '../qemu/vm-files';
import { replicaStateSchema, type ReplicaState } from '@/lib/agent-protocol/replication';

export const REPLICA_FILE = 'replica.json';
export const NBD_PID_FILE = 'nbd.pid';
export const STEP_MS = 15_000; // every file-system / qemu-img step a request triggers

export const layerName = (pointId: string) => `layer-${pointId}.qcow2`;
export const partialName = (pointId: string) => `${layerName(pointId)}.partial`;
export const bootCopyName = (file: 'kernel' | 'initrd') => `boot-${file}`;

export const replicaFileSchema = replicaStateSchema
  .omit({ id: true })
  .extend({ format: z.literal(1) })
  .strict();
export type ReplicaFile = z.infer<typeof replicaFileSchema>;

export const replicaFilePath = (vmDir: string) => path.join(vmDir, REPLICA_FILE);

// Only names from replica.json / our own schemas reach here; the check keeps it that way.
export function inReplicaDir(vmDir: string, file: string): string {
  const full = path.join(vmDir, file);
  if (path.dirname(full) !== path.resolve(vmDir)) throw qemuError('replica', `refusing a file outside ${vmDir}`);
  return full;
}

export function parseReplicaFile(raw: unknown, file: string): ReplicaFile {
  const parsed = replicaFileSchema.safeParse(raw);
  if (!parsed.success)
    throw qemuError('replica', `${file} is not a valid replica file: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export async function readReplicaFile(vmDir: string): Promise<ReplicaFile | null> {
  const file = replicaFilePath(vmDir);
  const raw = await withDeadline(readJson<unknown>(file), STEP_MS, `reading ${file}`);
  return raw === null ? null : parseReplicaFile(raw, file);
}

// temp + fsync + rename + fsync of the directory: a crash never leaves a half-written file, and
// a rename that was answered survives a power cut.
export async function writeDurable(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, text);
  await fsyncPath(tmp);
  await rename(tmp, file);
  await fsyncPath(path.dirname(file));
}

export async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export const writeReplicaFile = (vmDir: string, file: ReplicaFile) =>
  withDeadline(
    writeDurable(replicaFilePath(vmDir), `${JSON.stringify(file, null, 2)}\n`),
    STEP_MS,
    `writing ${replicaFilePath(vmDir)}`,
  );

// Every change of replica.json goes through here, one at a time per replica (commit, failover,
// test create/delete may overlap).
export async function updateReplicaFile(
  ctx: QemuContext,
  spec: VmSpec,
  change: (file: ReplicaFile) => ReplicaFile,
): Promise<ReplicaFile> {
  return ctx.withLock(`replica.json:${spec.id}`, async () => {
    const current = await readReplicaFile(spec.vmDir);
    if (!current) throw noSuchObject('replica', spec.id);
    const next = change(current);
    await writeReplicaFile(spec.vmDir, next);
    return next;
  });
}

export type Replica = { spec: VmSpec; file: ReplicaFile };

export async function findReplica(ctx: QemuContext, id: string): Promise<Replica | null> {
  const spec = await ctx.vms.find(id);
  if (!spec) return null;
  const file = await readReplicaFile(spec.vmDir);
  return file ? { spec, file } : null;
}

// 404 for no such VM, 409 for an ordinary VM of that id.
export async function mustReplica(ctx: QemuContext, id: string): Promise<Replica> {
  const spec = await ctx.vms.find(id);
  if (!spec) throw noSuchObject('replica', id);
  const file = await readReplicaFile(spec.vmDir);
  if (!file) throw conflict(`VM ${id} is an ordinary VM, not a replica`, { vmId: id });
  return { spec, file };
}

export function notPromoted(r: Replica, what: string): void {
  if (r.file.promotedFrom)
    throw conflict(`replica ${r.spec.id} was failed over (at ${r.file.promotedFrom}): it cannot ${what} any more`, {
      vmId: r.spec.id,
      promotedFrom: r.file.promotedFrom,
    });
}

export const stateOf = (id: string, file: ReplicaFile): ReplicaState => {
  const { format: _format, ...rest } = file;
  return { id, ...rest };
};

// The data a layer holds itself (clusters allocated in it, not in its backing; zero clusters do not
// count): what a run actually brought, whatever range its job covered (a full copy's zero areas
// travel as write-zeroes requests).
export const layerDataBytes = (qemuImg: string, dir: string, layer: string) =>
  withDeadline(allocatedBytes(qemuImg, inReplicaDir(dir, layer)), STEP_MS, `qemu-img map of ${layer}`);
