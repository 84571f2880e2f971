'use client';
import { signOut } from 'next-auth/react';
import { useCurrentUser } from '@/components/auth/current-user';
import { LogoutIcon } from '@/components/ui/icons';

const ROLE_STYLE = {
  admin: 'bg-accent-500/20 text-accent-200 ring-accent-400/30',
  operator: 'bg-sky-500/15 text-sky-200 ring-sky-400/30',
  viewer: 'bg-slate-500/20 text-slate-300 ring-slate-400/30',
} as const;

export function UserPanel() {
  const user = useCurrentUser();
  if (!user) return null;
  const display = user.name || user.username;
  return (
    <div className="border-t border-slate-800 p-3">
      <div className="flex items-center gap-2.5">
        <span
          aria-hidden="true"
          className="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-700 text-xs font-semibold text-slate-100 uppercase"
        >
          {display.slice(0, 2)}
        </span>
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-medium text-slate-100" data-testid="current-user">
            {display}
          </p>
          <span
            data-testid="current-role"
            className={`mt-0.5 inline-block rounded px-1.5 py-px text-[11px] font-medium capitalize ring-1 ring-inset ${ROLE_STYLE[user.role]}`}
          >
            {user.role}
          </span>
        </div>
        <button
          type="button"
          onClick={() => void signOut({ callbackUrl: '/login' })}
          title="Sign out"
          className="rounded-md p-1.5 text-slate-400 hover:bg-slate-800 hover:text-white focus-visible:outline-2 focus-visible:outline-accent-400"
        >
          <LogoutIcon />
          <span className="sr-only">Sign out</span>
        </button>
      </div>
    </div>
  );
}
