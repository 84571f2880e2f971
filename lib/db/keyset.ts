// Keyset paging on one sort column with the id breaking ties, so pages never skip or repeat a
// row: the order of a page and, after the cursor's row, the condition of the next one. Plain
// objects valid as any model's orderBy / where on those two columns (the caller types them).
export function keysetOrder<C extends string>(
  column: C,
  dir: 'asc' | 'desc',
  after: ({ id: string } & Record<C, unknown>) | null,
) {
  const op = dir === 'asc' ? 'gt' : 'lt';
  return {
    orderBy: [{ [column]: dir }, { id: dir }],
    keyset: after && {
      OR: [{ [column]: { [op]: after[column] } }, { [column]: after[column], id: { [op]: after.id } }],
    },
  };
}
