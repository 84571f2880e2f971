import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256File } from './sha256-file';

const dir = mkdtempSync(path.join(tmpdir(), 'vmops-sha-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sha256File', () => {
  it('hashes a file larger than one read chunk and reports the bytes read', async () => {
    const data = Buffer.alloc(9 * 1024 * 1024 + 7, 'vmops');
    const file = path.join(dir, 'big');
    writeFileSync(file, data);
    const seen: number[] = [];
    expect(await sha256File(file, (n) => seen.push(n))).toBe(createHash('sha256').update(data).digest('hex'));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(data.length);
  });

  it('hashes an empty file', async () => {
    writeFileSync(path.join(dir, 'empty'), '');
    expect(await sha256File(path.join(dir, 'empty'))).toBe(createHash('sha256').digest('hex'));
  });
});
