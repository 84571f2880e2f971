// Turns zod issues and the server's 422 `fields` into one map: field name -> first message.
import type { z } from 'zod';

export type FieldErrorMap = Record<string, string>;

// Field names come from input keys and the server's answer (`__proto__`, `constructor`, ...), so
// the map has no prototype: such names stay ordinary entries and `in` sees only real errors.
export function emptyFieldErrors(): FieldErrorMap {
  return Object.create(null);
}

export function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldErrorMap {
  const out = emptyFieldErrors();
  for (const issue of issues) {
    const key = issue.path.length ? String(issue.path[0]) : '_form';
    if (!(key in out)) out[key] = issue.message;
  }
  return out;
}

export function serverFieldErrors(fields: Record<string, string[] | string | undefined>): FieldErrorMap {
  const out = emptyFieldErrors();
  for (const [path, msgs] of Object.entries(fields)) {
    const key = path.split('.')[0] || '_form';
    const msg = Array.isArray(msgs) ? msgs[0] : msgs;
    if (msg && !(key in out)) out[key] = msg;
  }
  return out;
}

/** Empty strings of optional text inputs become undefined so `.optional()` schemas accept them. */
export function blankToUndefined<T extends Record<string, unknown>>(values: T, keys: readonly (keyof T)[]): T {
  const out = { ...values };
  for (const k of keys) if (typeof out[k] === 'string' && (out[k] as string).trim() === '') delete out[k];
  return out;
}
