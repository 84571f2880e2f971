'use client';
import { CopyButton } from '@/components/ui/copy-button';
import type { UserWithPasswordDto } from '@/lib/domain/users/dto';

/** A password the server answered once (create or reset); it is not stored anywhere readable. */
export function PasswordOnce({ result }: { result: UserWithPasswordDto }) {
  return (
    <div data-testid="password-once" className="space-y-2 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm">
      <p className="text-slate-700">
        {result.generated ? 'Generated password' : 'Password'} for{' '}
        <span className="font-semibold">{result.user.username}</span>. It is shown only now: pass it on safely.
      </p>
      <div className="flex items-center gap-2">
        <code data-testid="password-value" className="rounded bg-white px-2 py-1 font-mono text-slate-900 select-all">
          {result.password}
        </code>
        <CopyButton value={result.password} label="Copy password" />
      </div>
    </div>
  );
}
