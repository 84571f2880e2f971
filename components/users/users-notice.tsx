'use client';
import { usePermission } from '@/components/auth/current-user';

/** Says why a non-admin sees the list without actions. */
export function UsersNotice() {
  const { allowed } = usePermission('user.manage');
  if (allowed) return null;
  return (
    <p role="note" className="mb-3 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-600">
      Only admins can add, change or remove users.
    </p>
  );
}
