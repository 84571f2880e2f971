export type BenchRow = { what: string; value: string; yardstick: string; ratio: string };

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}
// The q-quantile (0..1) by the nearest-rank method: p95 of 120 samples is the 114th smallest.
export const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * xs.length) - 1)];
