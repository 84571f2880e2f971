// The sign-in refusals the credentials provider names (next-auth hands the thrown message to the
// form as `error`); shared by lib/auth/config.ts and the login form.
export const ACCOUNT_DISABLED = 'AccountDisabled';

export function signInErrorMessage(error: string | null | undefined, status: number | undefined): string {
  if (error === ACCOUNT_DISABLED) return 'This account is disabled; ask an admin to enable it.';
  if (error === 'CredentialsSignin' || status === 401) return 'Wrong username or password.';
  return `Sign-in failed: ${error ?? 'no answer'}`;
}
