import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { readEdac } from './edac';

describe('readEdac', () => {
  const dirs: { remove(): Promise<void> }[] = [];
  afterEach(async () => Promise.all(dirs.splice(0).map((d) => d.remove())));

  it('sums ce_count and ue_count over every memory controller', async () => {
    const root = await tempDir('vmops-edac-');
    dirs.push(root);
    const mc = (n: string, ce: string, ue: string) =>
      mkdir(path.join(root.path, 'mc', n), { recursive: true }).then(() =>
        Promise.all([
          writeFile(path.join(root.path, 'mc', n, 'ce_count'), ce),
          writeFile(path.join(root.path, 'mc', n, 'ue_count'), ue),
        ]),
      );
    await mc('mc0', '3\n', '0\n');
    await mc('mc1', '4\n', '1\n');
    await mkdir(path.join(root.path, 'mc', 'power')); // not a controller: ignored
    expect(await readEdac(root.path)).toEqual({ readable: true, correctedErrors: 7, uncorrectedErrors: 1 });
    await writeFile(path.join(root.path, 'mc', 'mc1', 'ce_count'), '10\n'); // counters only grow
    expect((await readEdac(root.path)).correctedErrors).toBe(13);
  });

  it('is unreadable without an mc directory, and counts a garbled counter as 0', async () => {
    const root = await tempDir('vmops-edac-');
    dirs.push(root);
    expect(await readEdac(path.join(root.path, 'nope'))).toEqual({
      readable: false,
      correctedErrors: 0,
      uncorrectedErrors: 0,
    });
    await mkdir(path.join(root.path, 'mc', 'mc0'), { recursive: true });
    await writeFile(path.join(root.path, 'mc', 'mc0', 'ce_count'), 'garbage');
    expect(await readEdac(root.path)).toEqual({ readable: true, correctedErrors: 0, uncorrectedErrors: 0 });
  });
});
