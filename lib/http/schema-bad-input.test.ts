// Every exported input schema (found on disk) through hostile shapes via parseInput: each answer
// is the parsed value or a 422 INVALID_INPUT AppError whose field map survives JSON, never a
// TypeError or other crash. JSON-body schemas take exact types (no coercion).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AppError, invalidInput } from '@/lib/errors';
import type { World } from '@/lib/testing/bad-input-world';
import {
  HOSTILE_BODIES,
  HOSTILE_VALUES,
  PROTOTYPE_KEYS,
  leafPaths,
  prototypePolluted,
  replaceAt,
} from '@/lib/testing/hostile-inputs';
import { isUrlSchemaName, validInputs } from '@/lib/testing/valid-inputs';
import { discoverSchemas, fieldPaths, valueAt, type FoundSchema } from '@/lib/testing/zod-walk';
import { parseInput } from './validation';

// Every wire contract of the agent (lib/agent-protocol/), read from the folder so a new one is covered.
const AGENT_PROTOCOL_FILES = readdirSync(path.resolve(import.meta.dirname, '../agent-protocol')).filter(
  (f) => f.endsWith('.ts') && !f.includes('.test.'),
);

const world: World = new Proxy({}, { get: (_t, k) => `id-${String(k).toLowerCase()}` }); // any well-formed id will do here
const samples = validInputs(world);
let schemas: FoundSchema[] = [];

beforeAll(async () => {
  schemas = [
    ...(await discoverSchemas('lib/domain', ['schemas.ts', 'queries.ts'])),
    ...(await discoverSchemas('lib/agent-protocol', AGENT_PROTOCOL_FILES)),
  ];
});

/** parseInput's answer: accepted, or a 422 whose `fields` round-trips through JSON unchanged. */
function attempt(schema: z.ZodType, input: unknown): { ok: true } | { ok: false; fields: Record<string, string[]> } {
  try {
    parseInput(schema, input);
    return { ok: true };
  } catch (err) {
    if (!invalidInput.is(err)) throw new Error(`not a 422 AppError: ${err instanceof Error ? err.stack : String(err)}`);
    const fields = err.data?.fields as Record<string, string[]>;
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(422);
    expect(Object.getPrototypeOf(fields)).toBeNull();
    for (const [k, msgs] of Object.entries(fields)) {
      expect(typeof k).toBe('string');
      expect(Array.isArray(msgs) && msgs.every((m) => typeof m === 'string')).toBe(true);
    }
    expect(JSON.parse(JSON.stringify(err.toJSON())).error.data.fields).toEqual({ ...fields });
    return { ok: false, fields };
  }
}

// Thousands of parses per test: minutes on a loaded 2-core machine, not vitest's 5 s default.
describe('every exported schema under hostile input', { timeout: 120_000 }, () => {
  it('finds the schemas on disk', () => {
    expect(schemas.length).toBeGreaterThan(30);
    expect(schemas.map((s) => s.name)).toEqual(
      expect.arrayContaining(['createVmSchema', 'createJobSchema', 'heartbeatSchema', 'enrollRequestSchema']),
    );
  });

  it('answers whole hostile inputs with the value or a 422', () => {
    const wholes = [
      ...HOSTILE_VALUES,
      ...HOSTILE_BODIES.flatMap((b) => {
        try {
          return [JSON.parse(b) as unknown];
        } catch {
          return [];
        }
      }),
      undefined,
    ];
    for (const { schema } of schemas) for (const input of wholes) attempt(schema, input);
  });

  it('answers a hostile value in any one field with the value or a 422', () => {
    let tried = 0;
    for (const { schema } of schemas)
      for (const at of fieldPaths(schema))
        for (const v of HOSTILE_VALUES) {
          attempt(schema, valueAt(at, v));
          tried++;
        }
    expect(tried).toBeGreaterThan(1000);
  });

  it('spoils each field of a valid input in turn', () => {
    for (const { name, schema } of schemas) {
      if (!(name in samples)) continue;
      expect(attempt(schema, samples[name]), name).toEqual({ ok: true });
      for (const at of leafPaths(samples[name]))
        for (const v of HOSTILE_VALUES) attempt(schema, replaceAt(samples[name], at, v));
    }
  });

  it('names keys like __proto__ and constructor as ordinary unknown fields', () => {
    for (const { name, schema } of schemas) {
      const base = samples[name];
      if (!base || typeof base !== 'object' || Array.isArray(base)) continue;
      for (const k of PROTOTYPE_KEYS) {
        const input = JSON.parse(
          JSON.stringify(base).replace(/^\{/, `{${JSON.stringify(k)}:{"polluted":true},`),
        ) as unknown;
        const r = attempt(schema, input);
        expect(r.ok, `${name} accepted ${k}`).toBe(false);
        if (!r.ok) expect(Object.hasOwn(r.fields, k) ? r.fields[k] : null, `${name}.${k}`).toEqual(['unknown field']);
      }
    }
    expect(prototypePolluted()).toBe(false);
  });

  it('takes exact types in JSON bodies: a number sent as a string or a boolean is refused', () => {
    let numbers = 0;
    for (const { name, schema } of schemas) {
      if (isUrlSchemaName(name) || !(name in samples)) continue;
      for (const at of leafPaths(samples[name])) {
        const leaf = at.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], samples[name]);
        if (typeof leaf !== 'number') continue;
        numbers++;
        for (const wrong of [String(leaf), true, [leaf]])
          expect(
            attempt(schema, replaceAt(samples[name], at, wrong)).ok,
            `${name}.${at.join('.')} = ${JSON.stringify(wrong)}`,
          ).toBe(false);
      }
    }
    expect(numbers).toBeGreaterThan(10);
  });

  it('has a valid sample for every JSON-body schema of lib/domain', () => {
    const missing = schemas.filter(
      (s) =>
        s.file.startsWith('lib/domain') &&
        s.file.endsWith('schemas.ts') &&
        !isUrlSchemaName(s.name) &&
        !(s.name in samples),
    );
    expect(missing.map((s) => `${s.file}: ${s.name}`)).toEqual([]);
  });
});
