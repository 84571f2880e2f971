// The lead's next-auth callbacks copy these from the user row onto the JWT and then session.user.
import type { DefaultSession } from 'next-auth';
import type { Role } from '@/lib/domain/auth/dto';

declare module 'next-auth' {
  interface Session {
    user: { id: string; username: string; role: Role } & NonNullable<DefaultSession['user']>;
  }
  interface User {
    username?: string;
    role?: Role;
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    id?: string;
    username?: string;
    role?: Role;
  }
}
