// File side of backups: streamed SHA-256, durable rename of a finished .partial, leftovers of
// killed runs, the per-bitmap sidecar. Repository checks: repository.ts.
import { existsSync } from 'node:fs';
import { lstat, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { readJson, writeJson } from '../qemu/vm-files';
import { sha256File } from '../sha256-file';
import { manifestPathOf, POINT_FILE, POINT_MANIFEST } from '@/lib/agent-protocol/backup';
import type { Sidecar } from './trust';

export const PARTIAL = '.partial';

export async function fsyncPath(p: string, flags = 'r'): Promise<void> {
  const fh = await open(p, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// Hash, flush and rename: `final` only ever appears complete, and survives a power cut.
export async function finalizePartial(
  partial: string,
  final: string,
  onBytes?: (done: number) => void,
): Promise<{ sha256: string; sizeBytes: number }> {
  const sha256 = await sha256File(partial, onBytes);
  await fsyncPath(partial, 'r+');
  await rename(partial, final);
  await fsyncPath(path.dirname(final));
  return { sha256, sizeBytes: (await stat(final)).size };
}

// A killed agent's (or orphaned qemu-img's) .partial files. A running backup touches its partial
// every PARTIAL_TOUCH_MS (a stopped VM's compare may write nothing for minutes), so any partial
// not touched for STALE_MS belongs to a run that no longer exists, on this host or another one
// sharing the repository.
export const PARTIAL_TOUCH_MS = 30_000;
const STALE_MS = 4 * PARTIAL_TOUCH_MS;

export async function removeStalePartials(
  dir: string,
  active: ReadonlySet<string>,
  now = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    if (!name.endsWith(PARTIAL) || active.has(file)) continue;
    const st = await stat(file).catch(() => null);
    if (!st?.isFile() || now - st.mtimeMs < STALE_MS) continue;
    await rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}

// Complete point files that no registered restore point references: a run that finished here
// but whose worker died or lost the operation. A finished file is registered within seconds, so
// one not written for UNREGISTERED_MS is never going to be (a file another host or job has just
// finished, not registered yet, is younger). Only names following the point scheme are touched.
// A manifest (rp-<hex>.json) counts as its qcow2: it goes with it, or alone once as old.
export const UNREGISTERED_MS = 10 * 60_000;

export async function removeUnregistered(
  dir: string,
  registered: ReadonlySet<string>,
  now = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const manifest = POINT_MANIFEST.test(name);
    if (!(POINT_FILE.test(name) || manifest) || registered.has(manifest ? file.replace(/\.json$/, '.qcow2') : file))
      continue;
    const st = await lstat(file).catch(() => null);
    if (!st?.isFile() || now - st.mtimeMs < UNREGISTERED_MS) continue;
    const gone = manifest ? [file] : [file, manifestPathOf(file)].filter((f) => existsSync(f));
    for (const f of gone) await rm(f, { force: true });
    removed.push(...gone);
  }
  return removed;
}

export function keepTouched(file: string): () => void {
  const t = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => {});
  }, PARTIAL_TOUCH_MS);
  t.unref();
  return () => clearInterval(t);
}

export const sidecarPath = (vmDir: string, bitmap: string) => path.join(vmDir, `backup-${bitmap}.json`);
export const readSidecar = (vmDir: string, bitmap: string) =>
  readJson<Sidecar>(sidecarPath(vmDir, bitmap)).catch(() => null);
export const writeSidecar = (vmDir: string, bitmap: string, s: Sidecar) => writeJson(sidecarPath(vmDir, bitmap), s);

// Every bitmap sidecar of the VM marked as no longer describing its disk ('replaced' by an
// in-place restore, 'reverted' to a snapshot), so the next backup says why it is full. Returns
// what they said before, for an undo.
export async function markSidecars(
  vmDir: string,
  state: 'replaced' | 'reverted',
  source: string,
): Promise<Map<string, Sidecar>> {
  const previous = new Map<string, Sidecar>();
  for (const name of await readdir(vmDir)) {
    if (!/^backup-.+\.json$/.test(name)) continue;
    const file = path.join(vmDir, name);
    const sidecar = await readJson<Sidecar>(file).catch(() => null);
    if (!sidecar) continue;
    previous.set(file, sidecar);
    await writeJson(file, { state, path: source, sha256: null, at: new Date().toISOString() } satisfies Sidecar);
  }
  return previous;
}
