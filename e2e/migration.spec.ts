import type { Page } from '@playwright/test';
import { guestCommand } from './agent-serial';
import { ADMIN_STATE, expect, mainSiteHosts, pollApi, test } from './support';
import { pageShot, viewShot } from './shots';

test.use({ storageState: ADMIN_STATE });
// A VM boot and three live migrations (there, maintenance evacuation back, bring-back) under TCG.
test.setTimeout(900_000);

type Host = { id: string; name: string; site: string; maintenance: boolean };
type Vm = { id: string; hostId: string; state: string; guestReady: boolean; activeTaskId: string | null };
type Migration = {
  id: string;
  vmId: string;
  state: string;
  reason: string;
  targetHostId: string;
  downtimeMs: number | null;
  durationMs: number | null;
  bytesTransferred: number;
};

const hosts = (page: Page) => mainSiteHosts<Host>(page.request);

test('migrate a running VM by clicking, watch its progress, see it on the other host; maintenance moves it away and back', async ({
  page,
}) => {
  const [h1, h2] = await hosts(page);
  const name = `e2e-mig-${Date.now().toString(36)}`;

  // A VM placed on the first host by the create form's host choice.
  await page.goto('/vms/new');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Image').selectOption({ label: 'tiny-linux 1.0' });
  await page.getByLabel('Host', { exact: true }).selectOption(h1.id);
  await page.getByLabel('vCPUs').fill('1');
  await page.getByLabel('Memory (MiB)').fill('128');
  await page.getByLabel('Disk (GiB)').fill('1');
  await page.getByRole('button', { name: 'Create VM' }).click();
  await expect(page).toHaveURL(/\/vms\/vm-[0-9a-f]+$/);
  const vmId = page.url().split('/').pop()!;
  await expect(page.getByTestId('vm-state')).toHaveText(/running/i, { timeout: 120_000 });
  await pollApi(page.request, `/api/vms/${vmId}`, (b) => (b as Vm).guestReady, 120_000);
  // Data on the local disk, so the storage mirror has something to copy while we watch.
  await guestCommand(page.request, h1.id, vmId, 'writemb 512', 'VMOPS-OK writemb=512', 180_000);

  // The dialog: pick the other host, read the cost estimate before starting.
  await page.getByRole('button', { name: 'Migrate', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('migration-estimate')).toBeVisible({ timeout: 60_000 });
  await dialog.getByLabel('Target host').selectOption(h2.id);
  await expect(dialog.getByText(`${h2.name} after the move`)).toBeVisible({ timeout: 60_000 });
  await expect(dialog.locator('[data-stale]')).toHaveCount(0, { timeout: 60_000 });
  await expect(dialog.getByTestId('estimate-duration')).toHaveText(/\d/);
  await expect(dialog.getByTestId('estimate-downtime')).toHaveText(/\d/);
  await expect(dialog.getByTestId('estimate-bytes')).toHaveText(/\d+(\.\d+)? [KMG]iB/);
  await expect(dialog.getByTestId('estimate-mode')).toHaveText(/Shared disk|Disk \+ memory/);
  await viewShot(page, 'migrate-dialog-estimate');

  // Start: live progress (phase, bytes, dirty rate, expected downtime) until it succeeds.
  await dialog.getByRole('button', { name: 'Start migration' }).click();
  const progress = dialog.getByTestId('migration-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute('data-state', /running|succeeded/);
  // Catch it mid-flight for the screenshot when it is still moving bytes.
  // Catch it copying (disk mirror or memory) when the poll lands there; it only takes seconds.
  await expect(async () => {
    await expect(progress.locator('[aria-current="step"]')).toHaveText(/Storage mirror|Memory/, { timeout: 200 });
    await expect(progress.getByTestId('migration-transferred')).not.toHaveText('0 B', { timeout: 200 });
  })
    .toPass({ timeout: 30_000, intervals: [100] })
    .catch(() => undefined);
  await viewShot(page, 'migration-progress');
  await expect(progress).toHaveAttribute('data-state', 'succeeded', { timeout: 300_000 });
  await expect(progress.getByTestId('migration-downtime')).toHaveText(/\d/);
  await expect(progress).toContainText(`now runs on ${h2.name}`);
  await viewShot(page, 'migration-done');
  await dialog.getByRole('button', { name: 'Done' }).click();

  // The VM page: the new host in the header, still running, the move in its history.
  await expect(page.getByText(`Host ${h2.name}`).first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('vm-state')).toHaveText(/running/i);
  const [m] = (await (await page.request.get(`/api/migrations?vmId=${vmId}`)).json()) as Migration[];
  expect(m).toMatchObject({ state: 'succeeded', reason: 'manual', targetHostId: h2.id });
  // QEMU reports whole milliseconds: an idle guest's switch-over can round down to 0.
  expect(m.downtimeMs).toBeGreaterThanOrEqual(0);
  expect(m.downtimeMs).toBeLessThan(m.durationMs ?? 0);
  expect(m.bytesTransferred).toBeGreaterThan(0);
  console.log(`manual migration: total ${m.durationMs} ms, downtime ${m.downtimeMs} ms, ${m.bytesTransferred} bytes`);
  await expect(page.getByRole('table', { name: 'Migrations' }).getByText('Manual')).toBeVisible();
  await pageShot(page, 'vm-detail-migrated');

  // The cluster migrations page, filtered by reason.
  await page.goto('/migrations');
  await page.getByLabel('Reason').selectOption('manual');
  await expect(page.getByRole('link', { name })).toBeVisible();
  await pageShot(page, 'migrations');

  // Maintenance on the VM's new host: confirm, its VM is live-migrated off, badge everywhere.
  await page.goto(`/hosts/${h2.id}`);
  await page.getByRole('button', { name: 'Enter maintenance' }).click();
  const confirm = page.getByRole('dialog');
  await expect(confirm).toContainText('live-migrated to the other hosts');
  await viewShot(page, 'host-maintenance-confirm');
  await confirm.getByRole('button', { name: 'Enter maintenance' }).click();
  await expect(page.getByTestId('maintenance-badge').first()).toBeVisible();
  const evacuation = page.getByTestId('host-evacuation');
  await expect(evacuation).toBeVisible();
  await pollApi(
    page.request,
    `/api/vms/${vmId}`,
    (b) => (b as Vm).hostId === h1.id && (b as Vm).state === 'running',
    300_000,
  );
  await expect(evacuation.getByTestId('task-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(evacuation.getByRole('link', { name })).toBeVisible();
  await pageShot(page, 'host-maintenance');
  await page.goto('/hosts');
  await expect(page.getByTestId('maintenance-badge')).toHaveCount(1);
  await pageShot(page, 'hosts-maintenance');

  // Exit, bringing the VM back.
  await page.goto(`/hosts/${h2.id}`);
  await page.getByRole('button', { name: 'Exit maintenance' }).click();
  const exit = page.getByRole('dialog');
  const bringBack = exit.getByRole('checkbox', { name: /Bring back the 1 VM moved away/ });
  await expect(bringBack).toBeChecked();
  await viewShot(page, 'host-maintenance-exit');
  await exit.getByRole('button', { name: 'Exit maintenance' }).click();
  await expect(page.getByTestId('maintenance-badge')).toHaveCount(0);
  // Back on h2 and its task over (the source drops its copy after the VM is recorded on the target).
  await pollApi(
    page.request,
    `/api/vms/${vmId}`,
    (b) => (b as Vm).hostId === h2.id && (b as Vm).state === 'running' && !(b as Vm).activeTaskId,
    300_000,
  );
  const reasons = ((await (await page.request.get(`/api/migrations?vmId=${vmId}`)).json()) as Migration[]).map(
    (x) => `${x.reason}:${x.state}`,
  );
  expect(reasons).toEqual(['maintenance:succeeded', 'maintenance:succeeded', 'manual:succeeded']);

  // Leave the cluster as found for the other specs.
  expect((await page.request.delete(`/api/vms/${vmId}`)).status()).toBe(202);
  await pollApi(page.request, '/api/vms', (b) => !(b as Vm[]).some((v) => v.id === vmId), 120_000);
});
