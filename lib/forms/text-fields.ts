'use client';
import { useState } from 'react';

type Form = { errors: Partial<Record<string, string>>; clearError(field: string): void };

// Form state for text inputs: values plus the props that bind one input to its value and to its
// field error (typing clears the error). Used with useSchemaForm, which owns the errors.
export function useTextFields<V extends Record<string, string>>(initial: V, form: Form) {
  const [values, setValues] = useState<V>(initial);
  const field = (key: keyof V & string) => ({
    name: key,
    value: values[key],
    error: form.errors[key],
    onChange: (e: { target: { value: string } }) => {
      setValues((prev) => ({ ...prev, [key]: e.target.value }));
      form.clearError(key);
    },
  });
  return { values, setValues, field };
}
