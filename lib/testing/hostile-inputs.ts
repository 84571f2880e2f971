// Hostile and careless inputs shared by the bad-input suites (routes and schemas): what an
// outside client with a valid login might send.

// Keys that name members of Object.prototype (a plain `{}` map would answer with those members).
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
] as const;

// Strings that try to leave a directory or cut a string short, once decoded or not.
export const PATH_TRICKS = [
  '../..',
  '../../../../etc/passwd',
  '/etc/passwd',
  '%2e%2e%2f%2e%2e',
  '..%2f..%2fetc',
  'a\u0000b',
  '/proc/self/environ',
  '\\..\\..\\windows',
] as const;

const LONG = 'x'.repeat(100_000);

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

// Values of the wrong type or size for any field.
export const HOSTILE_VALUES: readonly unknown[] = [
  true,
  '128',
  [1],
  null,
  {},
  1e308,
  -1e308,
  -0,
  0.5,
  Number.MAX_SAFE_INTEGER + 2,
  LONG,
  nested(500),
  ...PATH_TRICKS,
];

// Whole bodies, as raw text: not JSON, JSON of the wrong shape, built-in property names as keys.
export const HOSTILE_BODIES: readonly string[] = [
  '',
  'not json',
  '{"a":',
  '\u0000',
  'null',
  'true',
  '1e308',
  '"text"',
  '[]',
  '[1]',
  '{}',
  `${'{"a":['.repeat(5_000)}1${']}'.repeat(5_000)}`, // deeper than JSON.stringify can go
  ...PROTOTYPE_KEYS.map((k) => `{"${k}":{"polluted":true,"prototype":{"polluted":true}}}`),
  ...PROTOTYPE_KEYS.map((k) => `{"${k}":1}`),
  '{"selector":{"__proto__":{"polluted":true}},"retention":{"constructor":{"prototype":{"polluted":true}}},"rules":[{"__proto__":1}]}',
];

/** Paths to every leaf of a JSON value (array elements by index); [] for the value itself. */
export function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leafPaths(v, [...prefix, i])) : [prefix];
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length
      ? keys.flatMap((k) => leafPaths((value as Record<string, unknown>)[k], [...prefix, k]))
      : [prefix];
  }
  return [prefix];
}

/** A deep copy of `value` with the leaf at `at` replaced (the value itself when `at` is []). */
export function replaceAt(value: unknown, at: (string | number)[], replacement: unknown): unknown {
  if (!at.length) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[at[0]] = replaceAt(copy[at[0]], at.slice(1), replacement);
  return copy;
}

/** True once something wrote to Object.prototype (e.g. through a `__proto__` key). */
export function prototypePolluted(): boolean {
  return (
    Object.getOwnPropertyNames(Object.prototype).some((k) => k === 'polluted') ||
    ({} as { polluted?: unknown }).polluted !== undefined
  );
}
