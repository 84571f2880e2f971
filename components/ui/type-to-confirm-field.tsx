'use client';
import type { InputHTMLAttributes } from 'react';
import { TextField } from './form-field';

/** "Type <word> to confirm": the guard of every destructive or site-wide action. */
export function TypeToConfirmField({
  word,
  error,
  ...input
}: { word: string; error?: string } & Omit<InputHTMLAttributes<HTMLInputElement>, 'autoComplete' | 'spellCheck'>) {
  return (
    <TextField
      label={
        <>
          Type <span className="font-mono font-semibold text-slate-900">{word}</span> to confirm
        </>
      }
      error={error}
      autoComplete="off"
      spellCheck={false}
      {...input}
    />
  );
}
