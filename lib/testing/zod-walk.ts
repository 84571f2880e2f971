// Finds every exported zod schema of a set of modules and the field paths a schema knows, so the
// bad-input suites can aim at each field without a hand-written list.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const ROOT = path.resolve(import.meta.dirname, '../..');

export type FoundSchema = { file: string; name: string; schema: z.ZodType };

/** Exported zod schemas of files named `basenames` under `dir` (relative to the repository). */
export async function discoverSchemas(dir: string, basenames: readonly string[]): Promise<FoundSchema[]> {
  const abs = path.join(ROOT, dir);
  const files = (readdirSync(abs, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => basenames.includes(path.basename(f)))
    .sort();
  const out: FoundSchema[] = [];
  for (const f of files) {
    const mod = (await import(/* @vite-ignore */ path.join(abs, f))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod))
      if (value instanceof z.ZodType) out.push({ file: path.join(dir, f), name, schema: value });
  }
  return out;
}

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
};
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Field paths the schema defines (objects, union options, array elements as index 0), to `depth`. */
export function fieldPaths(schema: z.ZodType, depth = 4, prefix: (string | number)[] = []): (string | number)[][] {
  if (depth === 0) return [];
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([k, s]) => [
        [...prefix, k],
        ...fieldPaths(s, depth - 1, [...prefix, k]),
      ]);
    case 'union':
      return dedupe((def.options ?? []).flatMap((o) => fieldPaths(o, depth, prefix)));
    case 'array':
      return def.element ? [[...prefix, 0], ...fieldPaths(def.element, depth - 1, [...prefix, 0])] : [];
    case 'pipe':
      return def.in ? fieldPaths(def.in, depth, prefix) : [];
    case 'default':
    case 'optional':
    case 'nullable':
    case 'prefault':
    case 'readonly':
      return def.innerType ? fieldPaths(def.innerType, depth, prefix) : [];
    default:
      return [];
  }
}

function dedupe(paths: (string | number)[][]): (string | number)[][] {
  const seen = new Set<string>();
  return paths.filter((p) => !seen.has(JSON.stringify(p)) && Boolean(seen.add(JSON.stringify(p))));
}

/** An object with only `value` at `at` (arrays for numeric steps). */
export function valueAt(at: (string | number)[], value: unknown): unknown {
  if (!at.length) return value;
  const inner = valueAt(at.slice(1), value);
  return typeof at[0] === 'number' ? [inner] : { [at[0]]: inner };
}
