import { request } from '@playwright/test';
import { E2E_URL } from '../playwright.config';
import { ADMIN_STATE, VIEWER_STATE, expect, pollApi, shot, test } from './support';

test.use({ storageState: VIEWER_STATE });

test('a viewer sees everything and can press nothing', async ({ page }) => {
  // An admin (through the API) makes a VM for the viewer to look at.
  const admin = await request.newContext({ baseURL: E2E_URL, storageState: ADMIN_STATE });
  const images = (await (await admin.get('/api/images')).json()) as { id: string; name: string }[];
  const imageId = images.find((i) => i.name === 'tiny-linux')!.id;
  const created = await admin.post('/api/vms', {
    data: { name: `view-${Date.now().toString(36)}`, imageId, vcpus: 1, memoryMiB: 128, diskSizeGiB: 1 },
  });
  expect(created.status()).toBe(202);
  const { vmId, taskId } = (await created.json()) as { vmId: string; taskId: string };
  expect(created.headers().location).toBe(`/api/tasks/${taskId}`);
  await pollApi(admin, `/api/tasks/${taskId}`, (t) => (t as { state: string }).state === 'succeeded', 120_000);

  await page.goto('/');
  // The stack's own two hosts; the DR flow leaves a host of site dr behind.
  await expect(page.locator('[data-testid="host-card"][data-site="main"]')).toHaveCount(2);
  await page.goto(`/vms/${vmId}`);
  await expect(page.getByTestId('vm-state')).toHaveText(/running/i);
  for (const name of ['Stop', 'Force stop', 'Restart', 'Delete'])
    await expect(page.getByRole('button', { name, exact: true })).toBeDisabled();
  await shot(page, 'viewer-vm-detail');
  await page.goto('/vms');
  const create = page.getByRole('link', { name: 'Create VM' }).or(page.getByRole('button', { name: 'Create VM' }));
  await expect(create).toHaveAttribute('aria-disabled', 'true');
  await page.goto('/hosts');
  await expect(page.getByRole('button', { name: 'Add host' })).toBeDisabled();

  // The API refuses too (the UI is not the guard): 403 with a coded error, audited as denied.
  const res = await page.request.post(`/api/vms/${vmId}/actions/stop`);
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe('FORBIDDEN');
  const denied = (await (await page.request.get('/api/audit?result=denied')).json()) as {
    action: string;
    actorName: string;
  }[];
  expect(denied).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'vm.stop', actorName: 'vera' })]));

  // A viewer's bad input is refused as a viewer (403, nothing about the fields); an operator's is a
  // 422 with a message per field.
  const viewerBad = await page.request.post('/api/vms', { data: { name: 'X', vcpus: 0 } });
  expect(viewerBad.status()).toBe(403);
  const bad = await admin.post('/api/vms', { data: { name: 'X', vcpus: '1' } });
  expect(bad.status()).toBe(422);
  expect(Object.keys((await bad.json()).error.data.fields)).toEqual(
    expect.arrayContaining(['name', 'imageId', 'vcpus']),
  );

  const del = await admin.delete(`/api/vms/${vmId}`);
  expect(del.status()).toBe(202);
  await pollApi(
    admin,
    `/api/tasks/${((await del.json()) as { taskId: string }).taskId}`,
    (t) => (t as { state: string }).state === 'succeeded',
    60_000,
  );
  await admin.dispose();
});
