import { Brand } from '@/components/shell/brand';
import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/auth/login-form';
import { getSessionUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[] }>;
}) {
  if (await getSessionUser()) redirect('/'); // already signed in
  const { callbackUrl } = await searchParams;
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-100 px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <Brand size="lg" />
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-base font-semibold text-slate-900">Sign in</h1>
          <p className="mt-1 mb-5 text-sm text-slate-500">Operate your QEMU/KVM cluster.</p>
          <LoginForm callbackUrl={Array.isArray(callbackUrl) ? callbackUrl[0] : callbackUrl} />
        </div>
      </div>
    </main>
  );
}
