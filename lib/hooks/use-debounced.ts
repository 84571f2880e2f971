'use client';
import { useEffect, useState } from 'react';

/**
 * `value`, once it has stopped changing for `delayMs` (inputs that hit the server). Compared by
 * JSON, not identity: a caller that builds a fresh object every render (a form's preview input)
 * would otherwise restart the timer on each render and never settle.
 */
export function useDebounced<T>(value: T, delayMs = 300): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const id = setTimeout(() => setSettled(JSON.parse(key) as T), delayMs);
    return () => clearTimeout(id);
  }, [key, delayMs]);
  return settled;
}
