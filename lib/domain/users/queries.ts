import 'server-only';
import { db } from '@/lib/db/client';
import type { User } from '@/lib/generated/prisma/client';
import type { Role } from '@/lib/domain/auth/dto';
import type { UserDto } from './dto';

export function toUserDto(u: User): UserDto {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    role: u.role as Role,
    disabled: u.disabledAt !== null,
    disabledAt: u.disabledAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}

// Every signed-in role may read the list (names and roles, nothing secret).
export async function listUsers(): Promise<UserDto[]> {
  return (await db().user.findMany({ orderBy: { username: 'asc' } })).map(toUserDto);
}
