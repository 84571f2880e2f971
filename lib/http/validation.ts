import { z } from 'zod';
import { invalidInput, type FieldErrors } from '@/lib/errors';

export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

// Parses or throws INVALID_INPUT (422) with one message list per field path.
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidInput(fieldErrors(r.error));
  return r.data;
}
