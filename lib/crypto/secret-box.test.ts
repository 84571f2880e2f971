import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { secretKeyUnavailable } from '@/lib/errors';
import { loadSecretKey, type SecretKey } from './key-file';
import { open, seal } from './secret-box';

const dir = mkdtempSync(path.join(tmpdir(), 'vmops-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
// A fresh key path per test: keys are cached per path.
beforeEach(() => void (process.env.VMOPS_SECRET_KEY_FILE = path.join(dir, `k${++n}`, 'agent-secrets.key')));

const keyOf = (bytes = randomBytes(32), file = '/keys/test.key'): SecretKey => ({ bytes, file });
const expectKeyError = (fn: () => unknown, file: string, reason: RegExp) => {
  try {
    fn();
  } catch (err) {
    expect(secretKeyUnavailable.is(err)).toBe(true);
    expect(err).toMatchObject({ status: 503, data: { keyFile: file } });
    expect((err as Error).message).toMatch(reason);
    return;
  }
  throw new Error('expected SECRET_KEY_UNAVAILABLE');
};

describe('secret box', () => {
  const key = keyOf();

  it('round-trips, in the versioned format, with a fresh IV each time', () => {
    const a = seal(key, 'the secret', 'host:h1');
    const b = seal(key, 'the secret', 'host:h1');
    expect(a).toMatch(/^v1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('the secret');
    expect(open(key, a, 'host:h1')).toBe('the secret');
    expect(open(key, b, 'host:h1')).toBe('the secret');
  });

  it('refuses a tampered IV, tag or ciphertext', () => {
    const sealed = seal(key, 'the secret', 'host:h1');
    const parts = sealed.split(':');
    for (const i of [1, 2, 3]) {
      const raw = Buffer.from(parts[i], 'base64url');
      raw[0] ^= 1;
      const tampered = parts.map((p, j) => (j === i ? raw.toString('base64url') : p)).join(':');
      expectKeyError(() => open(key, tampered, 'host:h1'), key.file, /altered or belongs to another row/);
    }
  });

  it("refuses another owner's associated data (a row's value pasted into another row)", () => {
    expectKeyError(() => open(key, seal(key, 'the secret', 'host:h1'), 'host:h2'), key.file, /does not open/);
  });

  it('answers a wrong key with a coded 503 naming the key file', () => {
    const other = keyOf(randomBytes(32), '/keys/other.key');
    expectKeyError(
      () => open(other, seal(key, 'the secret', 'host:h1'), 'host:h1'),
      '/keys/other.key',
      /key file was replaced/,
    );
  });

  it('refuses an unknown version or a malformed value', () => {
    const sealed = seal(key, 'the secret', 'host:h1');
    expectKeyError(() => open(key, sealed.replace(/^v1/, 'v9'), 'host:h1'), key.file, /unknown format/);
    expectKeyError(() => open(key, 'plain-secret', 'host:h1'), key.file, /unknown format/);
    expectKeyError(() => open(key, sealed.replace(/^v1:[^:]+/, 'v1:AAAA'), 'host:h1'), key.file, /malformed IV/);
  });
});

describe('key file', () => {
  it('is created on first need: 32 random bytes, mode 0600, the same key on the next load', async () => {
    const file = process.env.VMOPS_SECRET_KEY_FILE!;
    const [a, b] = await Promise.all([loadSecretKey({ create: true }), loadSecretKey({ create: true })]);
    expect(a.file).toBe(file);
    expect(a.bytes).toHaveLength(32);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url').equals(a.bytes)).toBe(true);
  });

  it('is never created just to open a secret: missing is a coded 503 naming the file', async () => {
    await expect(loadSecretKey({ create: false })).rejects.toMatchObject({
      code: 'SECRET_KEY_UNAVAILABLE',
      status: 503,
      data: { keyFile: process.env.VMOPS_SECRET_KEY_FILE },
    });
  });

  it('refuses a key file that is malformed or readable by others', async () => {
    const file = process.env.VMOPS_SECRET_KEY_FILE!;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'too-short', { mode: 0o600 });
    await expect(loadSecretKey({ create: true })).rejects.toMatchObject({
      code: 'SECRET_KEY_UNAVAILABLE',
      message: expect.stringMatching(/32 bytes/),
    });
    await writeFile(file, randomBytes(32).toString('base64url'));
    await chmod(file, 0o644);
    await expect(loadSecretKey({ create: true })).rejects.toMatchObject({
      code: 'SECRET_KEY_UNAVAILABLE',
      message: expect.stringMatching(/mode 644.*chmod 600/),
    });
  });
});
