// A read keyed by a list of values (`{ in: values }`) in chunks: SQLite's driver refuses a query
// with more bound parameters than its limit (999 on many builds), which a fleet-size list passes.
export const IN_CHUNK = 500;

export async function inChunks<T, R>(values: readonly T[], read: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) out.push(...(await read(values.slice(i, i + IN_CHUNK))));
  return out;
}
