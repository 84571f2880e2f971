import 'server-only';
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dataDir } from '@/lib/db/url';
import { secretKeyUnavailable } from '@/lib/errors';

// The key that seals the secrets the dashboard must present to agents. It lives in a file next to
// the session secret, never in the database, so a copy of the database alone reveals no secret.
export type SecretKey = { bytes: Buffer; file: string };

export const secretKeyFile = (): string =>
  path.resolve(
    /*turbopackIgnore: true*/ process.env.VMOPS_SECRET_KEY_FILE ??
      path.join(/*turbopackIgnore: true*/ dataDir(), 'agent-secrets.key'),
  );

// Read once per file: agent calls are frequent. A key swapped under a running process is used
// only after a restart.
const cache = new Map<string, SecretKey>();

// create: make the key on first need (sealing a secret). Opening one never creates it: a missing
// key then means the key file was lost, and a fresh key could not open anything anyway.
export async function loadSecretKey(opts: { create: boolean }): Promise<SecretKey> {
  const file = secretKeyFile();
  const cached = cache.get(file);
  if (cached) return cached;
  let key = await readKey(file);
  if (!key && opts.create) key = await createKey(file);
  if (!key)
    throw secretKeyUnavailable(
      file,
      'the file is missing; it holds the key the stored agent secrets were sealed with (restore it, or re-enroll the hosts)',
    );
  cache.set(file, key);
  return key;
}

async function readKey(file: string): Promise<SecretKey | null> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw secretKeyUnavailable(file, `cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!st.isFile()) throw secretKeyUnavailable(file, 'it is not a regular file');
  if (st.mode & 0o077)
    throw secretKeyUnavailable(file, `other users may read it (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
  const text = (
    await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw secretKeyUnavailable(file, `cannot read it (${err.code})`);
    })
  ).trim();
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== 32 || bytes.toString('base64url') !== text)
    throw secretKeyUnavailable(file, 'it does not hold 32 bytes in base64url');
  return { bytes, file };
}

// Written aside, then hard-linked into place: link fails if the file exists, so a dashboard and a
// worker creating it at once end up with the same key, and no reader sees a half-written file.
async function createKey(file: string): Promise<SecretKey | null> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(tmp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    await link(tmp, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } catch (err) {
    throw secretKeyUnavailable(
      file,
      `cannot create it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  } finally {
    await rm(tmp, { force: true });
  }
  return readKey(file);
}
