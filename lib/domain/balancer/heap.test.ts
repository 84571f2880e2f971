import { describe, expect, it } from 'vitest';
import { IndexedHeap } from './heap';
import { seededRandom } from './simulated-fleet';

describe('IndexedHeap', () => {
  it.each([true, false])('top(k) matches a sort after updates and removals (max=%s)', (max) => {
    const rnd = seededRandom(11);
    const keys = Float64Array.from({ length: 200 }, () => rnd());
    const heap = new IndexedHeap(keys.length, keys, max);
    for (let i = 0; i < keys.length; i++) heap.push(i);
    const live = new Set(keys.keys());
    for (let step = 0; step < 500; step++) {
      const i = Math.floor(rnd() * keys.length);
      if (step % 7 === 0) {
        heap.remove(i);
        live.delete(i);
      } else {
        keys[i] = rnd();
        heap.update(i);
      }
    }
    const sorted = [...live].sort((a, b) => (max ? keys[b] - keys[a] : keys[a] - keys[b]));
    expect(heap.size).toBe(live.size);
    expect(heap.top(10).map((i) => keys[i])).toEqual(sorted.slice(0, 10).map((i) => keys[i]));
  });
});
