import { describe, expect, it } from 'vitest';
import { IN_CHUNK, inChunks } from './in-chunks';

describe('inChunks', () => {
  it('reads every value once, in order, never more than a chunk at a time', async () => {
    const values = Array.from({ length: IN_CHUNK * 2 + 7 }, (_, i) => i);
    const sizes: number[] = [];
    const out = await inChunks(values, async (chunk) => {
      sizes.push(chunk.length);
      return chunk.map((v) => v * 2);
    });
    expect(sizes).toEqual([IN_CHUNK, IN_CHUNK, 7]);
    expect(out).toEqual(values.map((v) => v * 2));
  });

  it('sorts the rows once across chunks when given an order', async () => {
    const values = Array.from({ length: IN_CHUNK + 3 }, (_, i) => i);
    const out = await inChunks(
      values,
      async (chunk) => chunk.map((v) => -v),
      (a, b) => a - b,
    );
    expect(out).toEqual(values.map((v) => -v).reverse());
  });

  it('makes no read for no values', async () => {
    let reads = 0;
    expect(await inChunks([], async () => [++reads])).toEqual([]);
    expect(reads).toBe(0);
  });
});
