import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boundedUsage, createGate, mkdirLevels, resolveReal, withDeadline } from './fs-bounds';
import { tempDir } from '@/lib/testing/temp-dir';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => (dir = await tempDir('vmops-fs-bounds-')));
afterEach(() => dir.remove());

const never = new Promise<never>(() => {});

describe('fs bounds', () => {
  it('withDeadline answers a coded TIMEOUT when the work takes too long', async () => {
    const t0 = Date.now();
    await expect(withDeadline(never, 50, 'listing /x')).rejects.toMatchObject({
      code: 'TIMEOUT',
      status: 504,
      data: { what: 'listing /x' },
    });
    expect(Date.now() - t0).toBeLessThan(500);
    expect(await withDeadline(Promise.resolve(7), 50, 'x')).toBe(7);
  });

  it('the gate runs at most N at once, hands slots on in order, and a waiter gives up after its wait', async () => {
    const gate = createGate(2);
    const ends: (() => void)[] = [];
    const hold = () => new Promise<void>((r) => ends.push(r));
    const a = gate.run('a', 1000, hold);
    const b = gate.run('b', 1000, hold);
    const order: string[] = [];
    const c = gate.run('c', 1000, async () => void order.push('c'));
    await expect(gate.run('d', 30, async () => void order.push('d'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(gate.busy).toBe(2);
    ends[0]();
    await a;
    await c;
    expect(order).toEqual(['c']);
    ends[1]();
    await b;
    expect(gate.busy).toBe(0);
  });

  it('resolves the real path of a path whose last levels do not exist yet', async () => {
    await mkdir(path.join(dir.path, 'real'));
    await symlink(path.join(dir.path, 'real'), path.join(dir.path, 'link'));
    const r = await resolveReal(path.join(dir.path, 'link', 'a', 'b'), Date.now() + 1000);
    expect(r).toEqual({
      real: path.join(dir.path, 'real', 'a', 'b'),
      existing: path.join(dir.path, 'real'),
      missing: ['a', 'b'],
    });
  });

  it('creates levels one by one, at most maxLevels', async () => {
    const target = path.join(dir.path, 'a', 'b', 'c');
    await expect(mkdirLevels(target, { maxLevels: 2, deadline: Date.now() + 1000 })).rejects.toThrow(
      /3 directory levels; at most 2/,
    );
    expect(await mkdirLevels(target, { maxLevels: 3, deadline: Date.now() + 1000 })).toEqual([
      path.join(dir.path, 'a'),
      path.join(dir.path, 'a', 'b'),
      target,
    ]);
    expect(await mkdirLevels(target, { maxLevels: 3, deadline: Date.now() + 1000 })).toEqual([]);
  });

  it('counts allocated bytes within depth and entry limits, saying when it stopped early', async () => {
    await mkdir(path.join(dir.path, 'vm1', 'deep', 'deeper'), { recursive: true });
    await writeFile(path.join(dir.path, 'vm1', 'a'), Buffer.alloc(64 * 1024, 1));
    await writeFile(path.join(dir.path, 'vm1', 'deep', 'deeper', 'b'), Buffer.alloc(64 * 1024, 1));
    await symlink('/usr', path.join(dir.path, 'vm1', 'usr')); // never followed
    const all = await boundedUsage(dir.path, { maxDepth: 5, maxEntries: 100, budgetMs: 2000 });
    expect(all.partial).toBe(false);
    expect(all.bytes).toBeGreaterThanOrEqual(128 * 1024);
    expect(all.bytes).toBeLessThan(1024 * 1024);
    const shallow = await boundedUsage(dir.path, { maxDepth: 1, maxEntries: 100, budgetMs: 2000 });
    expect(shallow).toMatchObject({ partial: true });
    expect(shallow.bytes).toBeLessThan(all.bytes);
    expect(await boundedUsage(dir.path, { maxDepth: 5, maxEntries: 2, budgetMs: 2000 })).toMatchObject({
      partial: true,
      entries: 2,
    });
  });
});
