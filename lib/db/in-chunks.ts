// A read keyed by a list of values (`{ in: values }`) in chunks: SQLite's driver refuses a query
// with more bound parameters than its limit (999 on many builds), which a fleet-size list passes.
// Each chunk's rows come back in the query's own order, not all of them together: a read whose
// order matters passes `order`, and the rows are sorted once, across chunks.
export const IN_CHUNK = 500;

export async function inChunks<T, R>(
  values: readonly T[],
  read: (chunk: T[]) => Promise<R[]>,
  order?: (a: R, b: R) => number,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) out.push(...(await read(values.slice(i, i + IN_CHUNK))));
  return order ? out.sort(order) : out;
}

// Oldest first by a date field (the order most chunked reads need).
export const byDate =
  <R>(at: (row: R) => Date) =>
  (a: R, b: R) =>
    at(a).getTime() - at(b).getTime();
