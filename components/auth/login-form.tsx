'use client';
import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/form-field';
import { AlertIcon } from '@/components/ui/icons';
import { signInErrorMessage } from '@/lib/auth/sign-in-errors';

/** Only same-origin paths: an absolute callbackUrl from next-auth is reduced to its path. */
function safeCallback(raw: string | undefined): string {
  if (!raw) return '/';
  try {
    const url = new URL(raw, window.location.origin);
    if (url.origin !== window.location.origin || url.pathname.startsWith('/login')) return '/';
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return '/';
  }
}

export function LoginForm({ callbackUrl }: { callbackUrl?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    if (!username || !password) return setError('Enter your username and password.');
    setPending(true);
    setError(null);
    try {
      const res = await signIn('credentials', { username, password, redirect: false });
      if (!res || res.error || !res.ok) {
        setError(signInErrorMessage(res?.error, res?.status));
        return;
      }
      router.replace(safeCallback(callbackUrl));
      router.refresh();
    } catch (err) {
      setError(`Sign-in failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {error && (
        <div
          role="alert"
          className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
        >
          <AlertIcon className="mt-0.5 shrink-0" />
          {error}
        </div>
      )}
      <TextField label="Username" name="username" autoComplete="username" autoFocus required />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" required />
      <Button type="submit" variant="primary" loading={pending} className="w-full">
        Sign in
      </Button>
    </form>
  );
}
