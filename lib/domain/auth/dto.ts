export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type SessionUser = { id: string; username: string; name: string; role: Role };
