// Where an image import may read from: directories and URL prefixes an admin configured for this
// agent (docs/ARCHITECTURE.md, "Image import locations"). The agent runs as root, so a source
// outside them is refused with ONE generic error before anything is opened or connected to: it
// must not tell whether a file exists, what it holds, or how an internal port answers.
import { constants } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { importLocationNotAllowed, invalidInput, noSuchObject, timeout } from '@/lib/errors';
import { isWithin } from '@/lib/agent-protocol/path-rules';
import { resolveReal, withDeadline } from '../fs-bounds';

export type ImportLocations = { dirs: string[]; urlPrefixes: string[] };
export type SourceField = 'disk' | 'kernel' | 'initrd';

export const IMPORT_MAX_BYTES = 64 * 1024 ** 3;
const FS_STEP_MS = 10_000;

export const refuse = (field: SourceField, loc: ImportLocations) => importLocationNotAllowed(field, loc);

// Strictly below `dir`, compared at a separator (allowed /srv/img does not admit /srv/img-evil).
export const isInside = (dir: string, p: string): boolean => p !== dir && isWithin(p, dir);

async function realDirs(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    const real = await withDeadline(realpath(d), FS_STEP_MS, 'resolving an import directory').catch(() => null);
    if (real) out.push(real);
  }
  return out;
}

export type OpenedSource = { handle: FileHandle; size: number };

// Normalise, resolve symlinks, check against the resolved allowed dirs, then open without
// following a final symlink and check the opened descriptor itself (its /proc path and type), so
// a directory swapped for a symlink between the check and the open cannot lead outside.
export async function openLocalSource(field: SourceField, given: string, loc: ImportLocations): Promise<OpenedSource> {
  if (!path.isAbsolute(given) || given.includes('\0')) throw refuse(field, loc);
  const normal = path.normalize(given);
  const allowed = await realDirs(loc.dirs);
  const inAllowed = (p: string) => allowed.some((d) => isInside(d, p));
  let real: string;
  try {
    real = await withDeadline(realpath(normal), FS_STEP_MS, 'resolving the import path');
  } catch (err) {
    // "No such file" only when the missing name would lie inside an allowed directory (its nearest
    // existing ancestor, resolved, is one); anything else, a timeout included, is the one refusal.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const existing = await resolveReal(path.dirname(normal), Date.now() + FS_STEP_MS).then(
        (r) => r.existing,
        () => null,
      );
      if (existing && allowed.some((d) => isWithin(existing, d))) throw noSuchObject('file', given);
    }
    throw refuse(field, loc);
  }
  if (!inAllowed(real)) throw refuse(field, loc);
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below as not a file.
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
  const opening = open(real, flags);
  const handle = await withDeadline(opening, FS_STEP_MS, 'opening the import file').catch((err: unknown) => {
    if (timeout.is(err))
      void opening.then(
        (h) => h.close(),
        () => {},
      ); // close it whenever it comes
    throw timeout.is(err) ? err : refuse(field, loc);
  });
  try {
    const opened = await readlink(`/proc/self/fd/${handle.fd}`);
    if (!inAllowed(opened)) throw refuse(field, loc);
    const st = await withDeadline(handle.stat(), FS_STEP_MS, 'checking the import file');
    if (!st.isFile()) throw invalidInput(fieldError(field, 'Not a regular file'));
    if (st.size > IMPORT_MAX_BYTES) throw tooLarge(field, IMPORT_MAX_BYTES);
    return { handle, size: st.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

const fieldError = (field: SourceField, message: string) =>
  Object.assign(Object.create(null) as Record<string, string[]>, { [field]: [message] });
export const tooLarge = (field: SourceField, max: number) =>
  invalidInput(fieldError(field, `Larger than ${max} bytes`), `The ${field} source is larger than ${max} bytes`);

// Both sides parsed (so normalised: case, default port, `..`); a URL is allowed when scheme, host
// and port are equal and its path continues the prefix's path at a '/' boundary.
export function urlAllowed(raw: string, prefixes: string[]): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) return false;
  // Encoded '/', '\' or '.' could be decoded by the server into a path the prefix check never saw.
  if (/%(2f|5c|2e)/i.test(u.pathname)) return false;
  return prefixes.some((s) => {
    const p = new URL(s);
    if (p.origin !== u.origin) return false;
    const base = p.pathname;
    return base.endsWith('/') ? u.pathname.startsWith(base) : u.pathname === base || u.pathname.startsWith(`${base}/`);
  });
}

// Parses and normalises an admin-given URL prefix (config); null when it is not a usable prefix.
export function normaliseUrlPrefix(s: string): string | null {
  try {
    const u = new URL(s);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash)
      return null;
    return u.href;
  } catch {
    return null;
  }
}
