// zod input parsing into the one 422 shape used by the dashboard and the agent alike:
// INVALID_INPUT with data.fields = { "<path>": [messages] } ("_" for the input as a whole).
import type { z } from 'zod';
import { invalidInput, type FieldErrors } from '@/lib/errors';

// Paths come from the caller's JSON keys: a key like `__proto__` or `constructor` must be an
// ordinary field name, so the map has no prototype (a plain {} would hand back Object's members).
export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = Object.create(null);
  for (const issue of error.issues) {
    // Unknown keys of a .strict() object are reported on the object; name each key instead.
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const p of paths) {
      const key = p.length ? p.map(String).join('.') : '_';
      (fields[key] ??= []).push(issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message);
    }
  }
  return fields;
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidInput(fieldErrors(r.error));
  return r.data;
}
