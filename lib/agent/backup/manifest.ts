// The point manifests (lib/agent-protocol/backup.ts, pointManifestSchema) on disk: written through a .partial
// (flushed, renamed, directory flushed) so a manifest is either complete or absent, and a killed
// writer's .partial is swept like any other (removeStalePartials).
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fsyncPath, PARTIAL } from './files';
import { FLATTENED_REASON, manifestPathOf, pointManifestSchema, type PointManifest } from '@/lib/agent-protocol/backup';

export async function writeManifest(qcow2: string, manifest: PointManifest): Promise<void> {
  const file = manifestPathOf(qcow2);
  const tmp = `${file}${PARTIAL}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(`${JSON.stringify(pointManifestSchema.parse(manifest), null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    await fsyncPath(path.dirname(file));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

// null: the file has no manifest. A manifest that does not parse is an error, not "none".
export async function readManifest(qcow2: string): Promise<PointManifest | null> {
  const text = await readFile(manifestPathOf(qcow2), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) return null;
  const parsed = pointManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path.basename(manifestPathOf(qcow2))} is not a valid point manifest`);
  return parsed.data;
}

// After a rebase: the file's new backing and checksum. false when there is no manifest.
export async function rebaseManifest(
  qcow2: string,
  backing: string | null,
  sums: { sha256: string; sizeBytes: number },
): Promise<boolean> {
  const m = await readManifest(qcow2);
  if (!m) return false;
  const flattened = backing === null && m.parent !== null;
  await writeManifest(qcow2, {
    ...m,
    ...sums,
    parent: backing && path.basename(backing),
    kind: backing ? m.kind : 'full',
    fullReason: flattened ? FLATTENED_REASON : m.fullReason,
  });
  return true;
}

// The manifest of `qcow2` only: a .json beside it that is not its manifest stays. Returns the
// path removed, if any.
export async function removeManifest(qcow2: string): Promise<string | null> {
  const m = await readManifest(qcow2).catch(() => null);
  if (m?.pointId !== path.basename(qcow2, '.qcow2')) return null;
  await rm(manifestPathOf(qcow2), { force: true });
  return manifestPathOf(qcow2);
}
