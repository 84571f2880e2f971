// No value-import cycle inside the agent: a module that imports (at run time) one that imports it
// back sees half-initialised exports depending on load order (routes.ts and the feature routes
// did, through vmId/ok). `import type` lines are erased by the compiler and do not count.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const AGENT = path.join(ROOT, 'lib/agent');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.ts$/.test(e.name) && !/\.(test|integ)\.ts$/.test(e.name) ? [p] : [];
  });
}

// Value imports of a module that stay inside lib/agent, as absolute file paths.
function valueImports(file: string, known: Set<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)';/gm)].map(
    (m) => m[1],
  );
  return specs
    .map((s) =>
      s.startsWith('@/') ? path.join(ROOT, s.slice(2)) : s.startsWith('.') ? path.resolve(path.dirname(file), s) : null,
    )
    .flatMap((p) => (p ? [`${p}.ts`, path.join(p, 'index.ts')].filter((f) => known.has(f)) : []));
}

function findCycles(files: string[]): string[][] {
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, valueImports(f, known)]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open')
      return void cycles.push([...trail.slice(trail.indexOf(f)), f].map((p) => path.relative(ROOT, p)));
    state.set(f, 'open');
    for (const dep of graph.get(f)!) visit(dep, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  return cycles;
}

describe('agent module graph', () => {
  it('has no value-import cycle', () => {
    expect(findCycles(sources(AGENT))).toEqual([]);
  });
});
