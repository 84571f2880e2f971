import bcrypt from 'bcryptjs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeUser } from '@/lib/auth/active-user';
import { db } from '@/lib/db/client';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { admin, operator, seedHost, seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { listUsers } from './queries';
import { createUserBy, deleteUser, resetPassword, updateUser } from './service';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());
beforeEach(seedUsers);
afterEach(async () => {
  await db().auditEvent.deleteMany();
  await db().vm.deleteMany();
  await db().host.deleteMany();
  await db().user.deleteMany();
});

const audits = async (action: string) => db().auditEvent.findMany({ where: { action }, orderBy: { id: 'asc' } });
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { status: number; code: string; data?: Record<string, unknown> }) => ({
      status: e.status,
      code: e.code,
      reason: e.data?.reason,
    }),
  );

describe('user management', () => {
  it('a password reset ends every session opened before it; a new sign-in works', async () => {
    const before = await activeUser(viewer.id, 0); // the version a token from before carries
    expect(before).toMatchObject({ id: viewer.id, sessionVersion: 0 });
    await resetPassword(admin, viewer.id, { password: 'a-new-secret-1' });
    expect(await activeUser(viewer.id, 0)).toBeNull();
    expect(await activeUser(viewer.id, 1)).toMatchObject({ id: viewer.id, role: 'viewer', sessionVersion: 1 });
  });

  it('creates with a generated password, shown once and stored only as a hash; audited', async () => {
    const out = await createUserBy(admin, { username: 'nina', role: 'viewer' });
    expect(out.generated).toBe(true);
    expect(out.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const row = await db().user.findUniqueOrThrow({ where: { username: 'nina' } });
    expect(row.passwordHash).not.toContain(out.password);
    expect(await bcrypt.compare(out.password, row.passwordHash)).toBe(true);
    expect((await audits('user.create'))[0]).toMatchObject({
      actorName: 'admin',
      targetName: 'nina',
      result: 'succeeded',
    });
    expect((await listUsers()).map((u) => u.username)).toEqual(['admin', 'nina', 'olga', 'victor']);
  });

  it('keeps a typed password and refuses a taken username', async () => {
    expect(await createUserBy(admin, { username: 'nina', role: 'operator', password: 'typed-secret-1' })).toMatchObject(
      { password: 'typed-secret-1', generated: false },
    );
    expect(await rejection(createUserBy(admin, { username: 'nina', role: 'viewer' }))).toMatchObject({
      status: 409,
      code: 'ALREADY_EXISTS',
    });
  });

  it('is admin-only: an operator is refused (403) and the attempt audited as denied', async () => {
    for (const p of [
      createUserBy(operator, { username: 'x1', role: 'admin' }),
      updateUser(operator, viewer.id, { role: 'admin' }),
      deleteUser(operator, viewer.id),
      resetPassword(viewer, admin.id, {}),
    ])
      expect(await rejection(p)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect((await db().auditEvent.findMany({ where: { result: 'denied' } })).map((a) => a.action).sort()).toEqual([
      'user.create',
      'user.delete',
      'user.reset-password',
      'user.update',
    ]);
    expect(await db().user.findUniqueOrThrow({ where: { id: viewer.id } })).toMatchObject({ role: 'viewer' });
  });

  it('changes role, name, disabled state; each change audited', async () => {
    const dto = await updateUser(admin, viewer.id, { role: 'operator', name: 'Vic', disabled: true });
    expect(dto).toMatchObject({ role: 'operator', name: 'Vic', disabled: true });
    expect((await audits('user.change-role'))[0]).toMatchObject({
      targetName: 'victor',
      detail: JSON.stringify({ from: 'viewer', to: 'operator' }),
    });
    expect(await audits('user.disable')).toHaveLength(1);
    expect(await audits('user.rename')).toHaveLength(1);
    expect(await updateUser(admin, viewer.id, { disabled: false })).toMatchObject({
      disabled: false,
      disabledAt: null,
    });
    expect(await audits('user.enable')).toHaveLength(1);
  });

  it('refuses to disable, delete or demote yourself (409 self), audited as denied', async () => {
    const second: SessionUser = { id: 'u-admin2', username: 'ada', name: 'Ada', role: 'admin' };
    await db().user.create({ data: { ...second, passwordHash: 'x' } });
    for (const p of [
      updateUser(admin, admin.id, { disabled: true }),
      updateUser(admin, admin.id, { role: 'viewer' }),
      deleteUser(admin, admin.id),
    ])
      expect(await rejection(p)).toEqual({ status: 409, code: 'CONFLICT', reason: 'self' });
    expect((await db().auditEvent.findMany({ where: { result: 'denied' } })).length).toBe(3);
    // Renaming yourself is fine.
    expect(await updateUser(admin, admin.id, { name: 'Boss' })).toMatchObject({
      name: 'Boss',
      role: 'admin',
      disabled: false,
    });
  });

  it('never removes the last enabled admin (409 last-admin); a disabled admin does not count', async () => {
    const second: SessionUser = { id: 'u-admin2', username: 'ada', name: 'Ada', role: 'admin' };
    await db().user.create({ data: { ...second, passwordHash: 'x' } });
    // ada disables admin: allowed (ada is still an enabled admin). Then admin is disabled and only ada remains.
    await updateUser(second, admin.id, { disabled: true });
    // A second admin account that is disabled cannot act (no session), and the promoted operator could:
    const olgaAdmin = { ...operator, role: 'admin' as const };
    await db().user.update({ where: { id: operator.id }, data: { role: 'admin', disabledAt: new Date() } });
    for (const p of [
      updateUser(olgaAdmin, second.id, { disabled: true }),
      updateUser(olgaAdmin, second.id, { role: 'operator' }),
      deleteUser(olgaAdmin, second.id),
    ])
      expect(await rejection(p)).toEqual({ status: 409, code: 'CONFLICT', reason: 'last-admin' });
    expect(await db().user.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({
      role: 'admin',
      disabledAt: null,
    });
    // Once another admin is enabled, ada may go.
    await updateUser(second, admin.id, { disabled: false });
    await deleteUser(admin, second.id);
    expect(await db().user.findUnique({ where: { id: second.id } })).toBeNull();
  });

  it('deleting a user keeps their audit history and the VMs they created', async () => {
    await createUserBy(admin, { username: 'nina', role: 'operator' });
    const nina = await db().user.findUniqueOrThrow({ where: { username: 'nina' } });
    await db().auditEvent.create({
      data: { actorId: nina.id, actorName: 'nina', action: 'vm.create', result: 'accepted', prevHash: '0', hash: '1' },
    });
    const host = await seedHost('h1');
    const vm = await db().vm.create({
      data: {
        id: 'vm-nina',
        name: 'ninas-vm',
        hostId: host.id,
        vcpus: 1,
        memoryMiB: 128,
        diskSizeBytes: 1n,
        state: 'stopped',
        createdBy: 'nina',
      },
    });
    expect(await deleteUser(admin, nina.id)).toEqual({ deleted: nina.id });
    expect(await db().user.findUnique({ where: { id: nina.id } })).toBeNull();
    expect(await db().auditEvent.findFirst({ where: { actorId: nina.id, action: 'vm.create' } })).toMatchObject({
      actorName: 'nina',
    });
    expect(await db().vm.findUnique({ where: { id: vm.id } })).not.toBeNull();
    expect((await audits('user.delete'))[0]).toMatchObject({ targetName: 'nina', result: 'succeeded' });
    expect(await rejection(deleteUser(admin, nina.id))).toMatchObject({ status: 404, code: 'NO_SUCH_OBJECT' });
  });

  it('resets a password (typed or generated), answered once', async () => {
    const out = await resetPassword(admin, viewer.id, {});
    expect(out.generated).toBe(true);
    expect(
      await bcrypt.compare(
        out.password,
        (await db().user.findUniqueOrThrow({ where: { id: viewer.id } })).passwordHash,
      ),
    ).toBe(true);
    expect(await resetPassword(admin, viewer.id, { password: 'another-one-22' })).toMatchObject({
      password: 'another-one-22',
      generated: false,
    });
    expect(await audits('user.reset-password')).toHaveLength(2);
  });
});
