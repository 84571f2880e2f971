'use client';
import Link from 'next/link';
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { cx } from '@/lib/cx';
import { AlertIcon, CheckIcon, XIcon } from './icons';

type ToastTone = 'success' | 'error' | 'info';
// `link`: where to follow what the toast announces (a task's page).
type ToastInput = { title: string; description?: string; tone?: ToastTone; link?: { href: string; label: string } };
type ToastItem = ToastInput & { id: number };
type ToastApi = { toast: (t: ToastInput) => void; dismiss: (id: number) => void };

const ToastContext = createContext<ToastApi | null>(null);
const MAX_TOASTS = 4;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<ToastItem[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setItems((xs) => xs.filter((x) => x.id !== id)), []);
  const toast = useCallback(
    (t: ToastInput) => {
      const id = nextId.current++;
      setItems((xs) => [...xs.slice(-(MAX_TOASTS - 1)), { ...t, id }]);
      setTimeout(() => dismiss(id), t.tone === 'error' ? 8000 : 4500);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ toast, dismiss }), [toast, dismiss]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div aria-live="polite" className="pointer-events-none fixed right-4 bottom-4 z-[100] flex w-80 flex-col gap-2">
        {items.map((t) => (
          <ToastCard key={t.id} item={t} onClose={() => dismiss(t.id)} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastCard({ item, onClose }: { item: ToastItem; onClose: () => void }) {
  const tone = item.tone ?? 'info';
  return (
    <div
      role={tone === 'error' ? 'alert' : 'status'}
      className={cx(
        'pointer-events-auto flex items-start gap-2.5 rounded-lg border bg-white p-3 text-sm shadow-lg',
        tone === 'error' ? 'border-red-200' : 'border-slate-200',
      )}
    >
      <span
        className={cx(
          'mt-0.5',
          tone === 'error' ? 'text-red-600' : tone === 'success' ? 'text-emerald-600' : 'text-accent-600',
        )}
      >
        {tone === 'error' ? <AlertIcon /> : <CheckIcon />}
      </span>
      <div className="min-w-0 flex-1">
        <p className="font-medium text-slate-900">{item.title}</p>
        {item.description && <p className="mt-0.5 break-words text-slate-600">{item.description}</p>}
        {item.link && (
          <Link href={item.link.href} className="mt-1 inline-block text-xs font-medium text-accent-700 hover:underline">
            {item.link.label}
          </Link>
        )}
      </div>
      <button
        type="button"
        onClick={onClose}
        aria-label="Dismiss notification"
        className="rounded p-0.5 text-slate-500 hover:text-slate-700"
      >
        <XIcon />
      </button>
    </div>
  );
}

export function useToast(): ToastApi {
  const ctx = useContext(ToastContext);
  if (!ctx) throw new Error('useToast needs <ToastProvider>');
  return ctx;
}
