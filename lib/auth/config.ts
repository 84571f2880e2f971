import 'server-only';
import bcrypt from 'bcryptjs';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { Role } from '@/lib/domain/auth/dto';
import { tokenSessionVersion } from './active-user';
import { ACCOUNT_DISABLED } from './sign-in-errors';

const credentialsSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });

export const authOptions: NextAuthOptions = {
  session: { strategy: 'jwt', maxAge: 12 * 3600 },
  pages: { signIn: '/login' },
  secret: process.env.NEXTAUTH_SECRET,
  providers: [
    CredentialsProvider({
      name: 'vmops',
      credentials: { username: { label: 'Username', type: 'text' }, password: { label: 'Password', type: 'password' } },
      async authorize(raw) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const user = await db().user.findUnique({ where: { username: parsed.data.username } });
        const ok = user ? await bcrypt.compare(parsed.data.password, user.passwordHash) : false;
        const disabled = ok && !!user?.disabledAt;
        await recordAudit({
          actor: { id: user?.id ?? null, name: parsed.data.username },
          action: 'auth.sign-in',
          target: { type: 'user', id: user?.id ?? null, name: parsed.data.username },
          result: ok && !disabled ? 'succeeded' : 'denied',
          detail: disabled ? { reason: 'account disabled' } : undefined,
        });
        if (!user || !ok) return null;
        // Said only to someone who knows the password; next-auth passes the message to the form.
        if (disabled) throw new Error(ACCOUNT_DISABLED);
        return {
          id: user.id,
          name: user.name,
          username: user.username,
          role: user.role as Role,
          sessionVersion: user.sessionVersion,
        };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        const u = user as unknown as { id: string; username: string; role: Role; sessionVersion: number };
        token.uid = u.id;
        token.username = u.username;
        token.role = u.role;
        token.sv = u.sessionVersion;
      }
      return token;
    },
    // The browser's view of the session (useSession) takes name and role from the user row, as
    // the server does on each request, so the UI follows a role change without a new sign-in.
    async session({ session, token }) {
      const row = await db().user.findUnique({
        where: { id: token.uid as string },
        select: { name: true, role: true },
      });
      session.user = {
        ...session.user,
        id: token.uid as string,
        username: token.username as string,
        name: row?.name ?? session.user?.name,
        role: (row?.role ?? token.role) as Role,
        sessionVersion: tokenSessionVersion(token.sv), // checked by getSessionUser against the row
      } as typeof session.user;
      return session;
    },
  },
};
