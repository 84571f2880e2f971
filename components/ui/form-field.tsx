'use client';
import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import { cx } from '@/lib/cx';

export const inputClasses = (invalid?: boolean, className?: string) =>
  cx(
    'block w-full rounded-md border bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-xs placeholder:text-slate-500',
    'focus:outline-2 focus:-outline-offset-1 disabled:bg-slate-50 disabled:text-slate-500',
    invalid ? 'border-red-400 focus:outline-red-500' : 'border-slate-300 focus:outline-accent-500',
    className,
  );

type FieldShell = { label: ReactNode; error?: string; hint?: ReactNode; className?: string };

/** Label + control + hint/error, wired with ids. `children` receives the control's aria props. */
export function FormField({
  label,
  error,
  hint,
  className,
  children,
}: FieldShell & {
  children: (a: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const msgId = `${id}-msg`;
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-700">
        {label}
      </label>
      {children({
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': error || hint ? msgId : undefined,
      })}
      {error ? (
        <p id={msgId} className="mt-1 text-xs text-red-600">
          {error}
        </p>
      ) : hint ? (
        <p id={msgId} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function TextField({
  label,
  error,
  hint,
  className,
  ...input
}: FieldShell & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <FormField label={label} error={error} hint={hint} className={className}>
      {(a) => (
        <input
          {...a}
          {...input}
          className={inputClasses(Boolean(error), input.type === 'number' ? 'tabular-nums' : undefined)}
        />
      )}
    </FormField>
  );
}

export function TextAreaField({
  label,
  error,
  hint,
  className,
  ...input
}: FieldShell & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <FormField label={label} error={error} hint={hint} className={className}>
      {(a) => <textarea rows={2} {...a} {...input} className={inputClasses(Boolean(error))} />}
    </FormField>
  );
}

export function SelectField({
  label,
  error,
  hint,
  className,
  children,
  ...select
}: FieldShell & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <FormField label={label} error={error} hint={hint} className={className}>
      {(a) => (
        <select {...a} {...select} className={inputClasses(Boolean(error), 'pr-8')}>
          {children}
        </select>
      )}
    </FormField>
  );
}

export function Switch({
  label,
  description,
  checked,
  onChange,
  disabled,
}: {
  label: string;
  description?: ReactNode;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="flex items-start gap-3">
      <button
        id={id}
        type="button"
        role="switch"
        aria-checked={checked}
        aria-label={label}
        disabled={disabled}
        onClick={() => onChange(!checked)}
        className={cx(
          'relative mt-0.5 inline-flex h-5 w-9 shrink-0 rounded-full transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-500 disabled:opacity-50',
          checked ? 'bg-accent-600' : 'bg-slate-300',
        )}
      >
        <span
          aria-hidden="true"
          className={cx(
            'absolute top-0.5 left-0.5 size-4 rounded-full bg-white shadow transition-transform',
            checked && 'translate-x-4',
          )}
        />
      </button>
      <label htmlFor={id} className="cursor-pointer">
        <span className="block text-sm font-medium text-slate-800">{label}</span>
        {description && <span className="block text-xs text-slate-500">{description}</span>}
      </label>
    </div>
  );
}

/** A compact inline filter control (toolbar): small label above, no error line. */
export type FilterOption = { value: string; label: string };

// `options`: the usual list filter, "All" (value '') first; otherwise the caller's own children.
export function FilterSelect({
  label,
  className,
  children,
  options,
  ...select
}: { label: string; options?: readonly FilterOption[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <label className={cx('flex items-center gap-2 text-xs font-medium text-slate-600', className)}>
      {label}
      <select {...select} className={inputClasses(false, 'w-auto py-1 pr-7 text-xs')}>
        {options ? (
          <>
            <option value="">All</option>
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </>
        ) : (
          children
        )}
      </select>
    </label>
  );
}
