'use client';
import Link from 'next/link';
import { useId, type ButtonHTMLAttributes, type ComponentProps, type ReactNode } from 'react';
import { cx } from '@/lib/cx';

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';
type Size = 'sm' | 'md';

const VARIANTS: Record<Variant, string> = {
  primary: 'bg-accent-600 text-white shadow-sm hover:bg-accent-700 disabled:bg-accent-600/50',
  secondary:
    'border border-slate-300 bg-white text-slate-700 shadow-sm hover:bg-slate-50 disabled:text-slate-400 disabled:bg-slate-50',
  danger: 'bg-red-600 text-white shadow-sm hover:bg-red-700 disabled:bg-red-600/45',
  ghost: 'text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:text-slate-400 disabled:hover:bg-transparent',
};
const SIZES: Record<Size, string> = { sm: 'h-7 px-2.5 text-xs gap-1.5', md: 'h-8 px-3 text-sm gap-2' };

export function buttonClasses(variant: Variant = 'secondary', size: Size = 'md', className?: string) {
  return cx(
    'inline-flex shrink-0 items-center justify-center rounded-md font-medium whitespace-nowrap transition-colors',
    'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-500 disabled:cursor-not-allowed',
    VARIANTS[variant],
    SIZES[size],
    className,
  );
}

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: Variant;
  size?: Size;
  loading?: boolean;
  icon?: ReactNode;
  /** When set and the button is disabled, shown as a tooltip and the button's description. */
  disabledReason?: string | null;
};

export function Button({
  variant,
  size,
  loading,
  icon,
  disabledReason,
  className,
  children,
  disabled,
  type = 'button',
  ...rest
}: ButtonProps) {
  const tipId = useId();
  const isDisabled = Boolean(disabled || loading);
  const tip = isDisabled && disabledReason && !loading ? disabledReason : null;
  const button = (
    <button
      type={type}
      disabled={isDisabled}
      aria-disabled={isDisabled || undefined}
      aria-busy={loading || undefined}
      aria-describedby={tip ? tipId : undefined}
      className={buttonClasses(variant, size, className)}
      {...rest}
    >
      {loading ? <Spinner /> : icon}
      {children}
    </button>
  );
  if (!tip) return button;
  return (
    <span className="group relative inline-flex">
      {button}
      <span
        id={tipId}
        role="tooltip"
        className="pointer-events-none absolute top-full right-0 z-50 mt-1.5 hidden rounded bg-slate-900 px-2 py-1 text-xs font-normal whitespace-nowrap text-white shadow-lg group-hover:block"
      >
        {tip}
      </span>
    </span>
  );
}

export function ButtonLink({
  variant,
  size,
  className,
  ...props
}: ComponentProps<typeof Link> & { variant?: Variant; size?: Size }) {
  return <Link className={buttonClasses(variant, size, className)} {...props} />;
}

export function Spinner({ className }: { className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={cx(
        'inline-block size-3.5 animate-spin rounded-full border-2 border-current border-r-transparent',
        className,
      )}
    />
  );
}
