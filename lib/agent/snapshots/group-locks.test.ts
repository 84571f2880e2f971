import { describe, expect, it } from 'vitest';
import type { QemuContext } from '../qemu/context';
import { holdLock, holdLocks, settleAll } from './group-locks';

// The QEMU driver's per-VM lock: a promise chain per id.
function lockContext(): Pick<QemuContext, 'withLock'> {
  const locks = new Map<string, Promise<unknown>>();
  return {
    withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
      const next = (locks.get(id) ?? Promise.resolve()).catch(() => {}).then(fn);
      locks.set(id, next);
      return next;
    },
  };
}
const ctx = () => lockContext() as QemuContext;

describe('group locks', () => {
  it('holds a VM lock until released; others queue behind it', async () => {
    const c = ctx();
    const held = await holdLock(c, 'a');
    const order: string[] = [];
    const other = c.withLock('a', async () => order.push('other'));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    held.release();
    await other;
    expect(order).toEqual(['other']);
  });

  it('a busy VM fails the call with its name, and gives its turn back when it comes', async () => {
    const c = ctx();
    let finish!: () => void;
    const busy = c.withLock('b', () => new Promise<void>((r) => (finish = r)));
    await expect(holdLock(c, 'b', 30)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('VM b is busy'),
    });
    finish();
    await busy;
    const again = await holdLock(c, 'b', 1000); // the abandoned turn did not keep it
    again.release();
  });

  it('all locks or none', async () => {
    const c = ctx();
    let finish!: () => void;
    void c.withLock('y', () => new Promise<void>((r) => (finish = r)));
    await expect(holdLocks(c, ['x', 'y', 'z'], 30)).rejects.toMatchObject({ message: expect.stringContaining('VM y') });
    // x and z were given back at once.
    const xz = await holdLocks(c, ['x', 'z'], 100);
    expect(xz.map((h) => h.vmId)).toEqual(['x', 'z']);
    for (const h of xz) h.release();
    finish();
  });

  it('settleAll waits for every task before failing with the first failure', async () => {
    const done: string[] = [];
    const slow = new Promise<void>((r) => setTimeout(() => (done.push('slow'), r()), 30));
    await expect(settleAll([Promise.reject(new Error('first')), slow])).rejects.toThrow('first');
    expect(done).toEqual(['slow']);
  });
});
