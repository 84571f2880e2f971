'use client';
import { useEffect, useState } from 'react';

/** `value`, once it has stopped changing for `delayMs` (filters that hit the server). */
export function useDebounced<T>(value: T, delayMs = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(id);
  }, [value, delayMs]);
  return settled;
}
