import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '@/lib/db/client';
import { admin, seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { updateUser } from '@/lib/domain/users/service';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { authOptions } from './config';
import { getSessionUser } from './session';
import { ACCOUNT_DISABLED, signInErrorMessage } from './sign-in-errors';

// The JWT of a browser that signed in as the viewer earlier: it stays valid for 12 h, so only
// the per-request row read can stop it.
const session = vi.hoisted(() => ({ uid: 'u-view' }));
vi.mock('next-auth', async (orig) => ({
  ...(await orig<object>()),
  getServerSession: async () => ({ user: { id: session.uid, role: 'viewer' } }),
}));

const testDb = createTestDb();
afterAll(() => testDb.cleanup());
beforeAll(async () => {
  await seedUsers();
  await db().user.update({ where: { id: viewer.id }, data: { passwordHash: await bcrypt.hash('viewer-password', 4) } });
});

type Authorize = (creds: Record<string, string>, req: unknown) => Promise<unknown>;
const signIn = (username: string, password: string) =>
  (authOptions.providers[0] as unknown as { options: { authorize: Authorize } }).options.authorize(
    { username, password },
    {},
  );

describe('sessions follow the user row', () => {
  it('a role change applies on the next request; disabling ends open sessions and refuses sign-in', async () => {
    expect(await getSessionUser()).toMatchObject({ id: viewer.id, role: 'viewer' });
    await expect(requireUserAllowed('vm.create')).rejects.toMatchObject({ status: 403 });

    await updateUser(admin, viewer.id, { role: 'operator' });
    expect(await getSessionUser()).toMatchObject({ role: 'operator' });
    expect(await requireUserAllowed('vm.create')).toMatchObject({ id: viewer.id, role: 'operator' });

    expect(await signIn('victor', 'viewer-password')).toMatchObject({ id: viewer.id });
    await updateUser(admin, viewer.id, { disabled: true });
    expect(await getSessionUser()).toBeNull();
    await expect(requireUserAllowed('vm.create')).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    // Right password: told the account is disabled; wrong password: the usual refusal, nothing more.
    await expect(signIn('victor', 'viewer-password')).rejects.toThrow(ACCOUNT_DISABLED);
    expect(await signIn('victor', 'wrong-password')).toBeNull();
    const signIns = await db().auditEvent.findMany({ where: { action: 'auth.sign-in' }, orderBy: { id: 'asc' } });
    expect(signIns.map((a) => [a.result, a.detail])).toEqual([
      ['succeeded', '{}'],
      ['denied', JSON.stringify({ reason: 'account disabled' })],
      ['denied', '{}'],
    ]);
    expect(signInErrorMessage(ACCOUNT_DISABLED, 200)).toBe('This account is disabled; ask an admin to enable it.');

    await updateUser(admin, viewer.id, { disabled: false });
    expect(await getSessionUser()).toMatchObject({ id: viewer.id });
    expect(await signIn('victor', 'viewer-password')).toMatchObject({ id: viewer.id });
  });

  it('a deleted user has no session', async () => {
    session.uid = 'u-gone';
    expect(await getSessionUser()).toBeNull();
  });
});
