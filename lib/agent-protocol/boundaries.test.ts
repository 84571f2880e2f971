// The agent's wire contracts live here so the dashboard, the worker and the agent client share
// them without importing the agent: contracts import nothing but zod, Node built-ins and each
// other, and no product code outside lib/agent imports lib/agent (test set-ups and scripts that
// start agents may).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.(test|integ)\.tsx?$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

// Every module a file imports (values and types), as written.
const specifiers = (file: string) => {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const statics = [...text.matchAll(/^(?:import|export)\s(?:[^;]*?\sfrom\s+)?'([^']+)';/gm)].map((m) => m[1]);
  const dynamics = [...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]);
  return [...statics, ...dynamics];
};
const resolved = (file: string, spec: string) =>
  spec.startsWith('@/') ? spec.slice(2) : spec.startsWith('.') ? path.join(path.dirname(file), spec) : spec;

describe('agent contract boundaries', () => {
  it('contracts import only zod, Node built-ins and each other', () => {
    const files = sources('lib/agent-protocol');
    expect(files.length).toBeGreaterThan(5);
    const bad = files.flatMap((f) =>
      specifiers(f)
        .filter((s) => !(s === 'zod' || s.startsWith('node:') || s.startsWith('./')))
        .map((s) => `${f}: ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it('no product code outside lib/agent imports the agent', () => {
    const product = ['app', 'components', 'lib']
      .flatMap(sources)
      .filter((f) => !f.startsWith('lib/agent/') && !f.startsWith('lib/testing/') && !f.startsWith('lib/generated/'));
    expect(product.length).toBeGreaterThan(100);
    const bad = product.flatMap((f) =>
      specifiers(f)
        .filter((s) => resolved(f, s).startsWith('lib/agent/'))
        .map((s) => `${f}: ${s}`),
    );
    expect(bad).toEqual([]);
  });
});
