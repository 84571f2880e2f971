import { request } from '@playwright/test';
import { E2E_URL } from '../playwright.config';
import { ADMIN_STATE, VIEWER_STATE, checkA11y, expect, shot, signIn, test } from './support';

test.use({ storageState: ADMIN_STATE });

test('an admin creates a user, changes their role, disables them (sign-in refused, session ends) and deletes them', async ({
  page,
  browser,
}) => {
  const username = `uma-${Date.now().toString(36)}`;
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole('row', { name: /admin\s*\(you\)/ })).toBeVisible();

  // Create with a generated password, shown once.
  await page.getByRole('button', { name: 'Add user' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Username').fill(username);
  await dialog.getByLabel('Role').selectOption('operator');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  const password = (await dialog.getByTestId('password-value').textContent())!.trim();
  expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
  await checkA11y(page);
  await dialog.getByRole('button', { name: 'Done' }).click();
  const row = page.getByRole('row', { name: new RegExp(username) });
  await expect(row).toContainText('operator');

  // Change the role to viewer.
  await row.getByRole('button', { name: 'Role…' }).click();
  await page.getByRole('dialog').getByLabel('Role').selectOption('viewer');
  await checkA11y(page);
  await page.getByRole('dialog').getByRole('button', { name: 'Save role' }).click();
  await expect(row).toContainText('viewer');

  // The user signs in (in their own browser) and sees their role.
  const theirs = await browser.newContext({ baseURL: E2E_URL, storageState: { cookies: [], origins: [] } });
  const them = await theirs.newPage();
  await signIn(them, username, password);
  await expect(them.getByTestId('current-role')).toHaveText(/viewer/i);
  expect((await them.request.get('/api/session')).status()).toBe(200);

  // Reset their password: the session opened with the old one ends; the new one signs in.
  await row.getByRole('button', { name: 'Reset password…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Generate new password' }).click();
  const fresh = (await page.getByRole('dialog').getByTestId('password-value').textContent())!.trim();
  await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
  expect((await them.request.get('/api/session')).status()).toBe(401);
  await them.context().clearCookies();
  await signIn(them, username, fresh);
  expect((await them.request.get('/api/session')).status()).toBe(200);

  // Disable: their open session stops at once, and signing in says why.
  await row.getByRole('button', { name: 'Disable…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disable user' }).click();
  await expect(row).toContainText('disabled');
  await expect(page.getByRole('status').filter({ hasText: `${username} disabled` })).toBeVisible();
  await shot(page, 'users');
  expect((await them.request.get('/api/session')).status()).toBe(401);
  await them.goto('/');
  await expect(them).toHaveURL(/\/login/);
  await them.getByLabel('Username').fill(username);
  await them.getByLabel('Password').fill(fresh);
  await them.getByRole('button', { name: 'Sign in' }).click();
  await expect(them.getByRole('alert').filter({ hasText: 'This account is disabled' })).toBeVisible();
  await theirs.close();

  // Your own row cannot be disabled or deleted; the API says why (409) too.
  const mine = page.getByRole('row', { name: /admin\s*\(you\)/ });
  await expect(mine.getByRole('button', { name: 'Delete…' })).toBeDisabled();
  const me = ((await (await page.request.get('/api/users')).json()) as { id: string; username: string }[]).find(
    (u) => u.username === 'admin',
  )!;
  const self = await page.request.patch(`/api/users/${me.id}`, { data: { disabled: true } });
  expect(self.status()).toBe(409);
  expect((await self.json()).error.data.reason).toBe('self');

  // Delete (typing the name); the audit log keeps what they did under their name.
  await row.getByRole('button', { name: 'Delete…' }).click();
  await page
    .getByRole('dialog')
    .getByLabel(/to confirm/)
    .fill(username);
  await checkA11y(page);
  await page.getByRole('dialog').getByRole('button', { name: 'Delete user' }).click();
  await expect(page.getByRole('row', { name: new RegExp(username) })).toHaveCount(0);
  const audit = (await (await page.request.get(`/api/audit?actor=${username}`)).json()) as {
    action: string;
    actorName: string;
    targetName: string | null;
    result: string;
  }[];
  expect(audit).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ action: 'auth.sign-in', actorName: username, result: 'succeeded' }),
      expect.objectContaining({ action: 'auth.sign-in', actorName: username, result: 'denied' }),
    ]),
  );
  const deletion = (await (await page.request.get('/api/audit?action=user.delete')).json()) as typeof audit;
  expect(deletion).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ actorName: 'admin', targetName: username, result: 'succeeded' }),
    ]),
  );
});

test('a viewer sees the users but no actions, and the API refuses before reading the input', async () => {
  const viewer = await request.newContext({ baseURL: E2E_URL, storageState: VIEWER_STATE });
  expect((await viewer.get('/api/users')).status()).toBe(200);
  const res = await viewer.post('/api/users', { data: { username: 1, role: 'root' } });
  expect(res.status()).toBe(403);
  await viewer.dispose();
});

test.describe('as a viewer', () => {
  test.use({ storageState: VIEWER_STATE });
  test('the users page says only admins manage users', async ({ page }) => {
    await page.goto('/users');
    await expect(page.getByRole('note')).toHaveText(/Only admins/);
    await expect(page.getByRole('button', { name: 'Add user' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Delete…' })).toHaveCount(0);
  });
});
