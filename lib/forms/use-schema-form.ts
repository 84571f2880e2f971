'use client';
import { useCallback, useState } from 'react';
import type { z } from 'zod';
import { isApiError } from '@/lib/queries/api-fetch';
import { emptyFieldErrors, issuesToFieldErrors, serverFieldErrors, type FieldErrorMap } from './field-errors';

// Validates with the same zod schema the API uses and merges in the server's 422 field errors.
export function useSchemaForm<S extends z.ZodType>(schema: S) {
  const [errors, setErrors] = useState<FieldErrorMap>(emptyFieldErrors);

  const validate = useCallback(
    (values: unknown): z.output<S> | null => {
      const result = schema.safeParse(values);
      if (result.success) {
        setErrors(emptyFieldErrors());
        return result.data;
      }
      setErrors(issuesToFieldErrors(result.error.issues));
      return null;
    },
    [schema],
  );

  /** Shows a 422's per-field messages; returns true when it did. */
  const applyServerError = useCallback((err: unknown): boolean => {
    if (!isApiError(err, 422) || Object.keys(err.fields).length === 0) return false;
    setErrors(serverFieldErrors(err.fields));
    return true;
  }, []);

  const clearError = useCallback((field: string) => {
    setErrors((prev) => {
      if (!(field in prev)) return prev;
      const next = Object.assign(emptyFieldErrors(), prev);
      delete next[field];
      return next;
    });
  }, []);

  return { errors, validate, applyServerError, clearError };
}
