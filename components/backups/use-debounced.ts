'use client';
import { useEffect, useState } from 'react';

/** `value`, but only once it has stopped changing for `ms` (compared by JSON, so fresh objects do not reset it). */
export function useDebounced<T>(value: T, ms = 400): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(JSON.parse(key) as T), ms);
    return () => clearTimeout(t);
  }, [key, ms]);
  return settled;
}
