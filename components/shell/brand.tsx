import { cx } from '@/lib/cx';

// The product mark: one place for the logo tile and name (sidebar and sign-in page).
export function Brand({ size = 'sm', inverted = false }: { size?: 'sm' | 'lg'; inverted?: boolean }) {
  return (
    <span className="flex items-center gap-2">
      <span
        aria-hidden="true"
        className={cx(
          'flex items-center justify-center font-bold text-white',
          size === 'lg' ? 'size-8 rounded-md bg-accent-600 text-sm' : 'size-6 rounded bg-accent-500 text-[11px]',
        )}
      >
        v
      </span>
      <span
        className={cx(
          'font-semibold tracking-tight',
          size === 'lg' ? 'text-xl' : 'text-[15px]',
          inverted ? 'text-white' : 'text-slate-900',
        )}
      >
        vmops
      </span>
    </span>
  );
}
