import { ADMIN_STATE, expect, mainSiteHosts, shot, test } from './support';

test.use({ storageState: ADMIN_STATE });

test('an admin adds a host: a one-time token and the agent command to run on it', async ({ page }) => {
  const hostName = 'e2e-h3';

  // The list is filtered and paged by the server: a name, then a status nothing has.
  await page.goto('/hosts');
  const [h1, h2] = await mainSiteHosts(page.request);
  const list = page.getByRole('table', { name: 'Hosts' });
  await expect(list.getByRole('link', { name: h2.name, exact: true })).toBeVisible();
  await page.getByLabel('Filter hosts').fill(h1.name);
  await expect(list.getByRole('link', { name: h2.name, exact: true })).toBeHidden();
  await expect(list.getByRole('link', { name: h1.name, exact: true })).toBeVisible();
  await page.getByLabel('Status').selectOption('maintenance');
  await expect(list.getByText('Nothing matches these filters.')).toBeVisible();
  await list.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.getByLabel('Filter hosts')).toHaveValue('');

  await page.getByRole('button', { name: 'Add host', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Host name').fill(hostName);
  await dialog.getByRole('button', { name: 'Create token' }).click();

  const token = dialog.getByTestId('enrollment-token');
  await expect(token).toHaveText(/^[0-9a-f]{48}$/); // hex: never mistaken for a flag by the agent
  const command = dialog.getByTestId('enrollment-command');
  await expect(command).toContainText(`--name ${hostName}`);
  await expect(command).toContainText(`--dashboard ${new URL(page.url()).origin}`);
  await expect(command).toContainText(`--enroll-token ${await token.textContent()}`);
  await expect(dialog.getByText('Valid for 60 minutes, once')).toBeVisible();
  await shot(page, 'add-host');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();

  // The server issued it on the admin's behalf: audited like every other write.
  const events = (await (await page.request.get('/api/audit?action=host.enrollment-token')).json()) as {
    action: string;
    targetName: string | null;
    result: string;
  }[];
  expect(
    events.some((e) => e.action === 'host.enrollment-token' && e.targetName === hostName && e.result === 'succeeded'),
  ).toBe(true);
});
