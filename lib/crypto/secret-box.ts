import 'server-only';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { secretKeyUnavailable } from '@/lib/errors';
import type { SecretKey } from './key-file';

// Authenticated encryption (AES-256-GCM, random 96-bit IV) for secrets that must be presented
// again, so cannot be hashed. `aad` names the owner (e.g. the host id): a sealed value copied into
// another owner's row does not open. Format `v1:<iv>:<tag>:<ciphertext>` (base64url): the version
// leaves room for another algorithm or key later.
const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';

export function seal(key: SecretKey, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key.bytes, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join(':');
}

// GCM cannot tell a wrong key from an altered value or a wrong owner; the message names all three.
export function open(key: SecretKey, sealed: string, aad: string): string {
  const parts = sealed.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION)
    throw secretKeyUnavailable(
      key.file,
      `a stored secret has an unknown format (expected ${VERSION}:<iv>:<tag>:<ciphertext>)`,
    );
  const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
  if (iv.length !== 12 || tag.length !== 16)
    throw secretKeyUnavailable(key.file, 'a stored secret has a malformed IV or tag');
  try {
    const decipher = createDecipheriv(ALGORITHM, key.bytes, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw secretKeyUnavailable(
      key.file,
      'a stored secret does not open with this key: the key file was replaced, or the stored value was altered or belongs to another row',
    );
  }
}
