import type { Role } from '@/lib/domain/auth/dto';

export type UserDto = {
  id: string;
  username: string;
  name: string;
  role: Role;
  disabled: boolean;
  disabledAt: string | null;
  createdAt: string;
};

// Answered once, by create and reset: the password is never stored or shown again.
export type UserWithPasswordDto = { user: UserDto; password: string; generated: boolean };
