import path from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { E2E_DATA } from '../playwright.config';
import { viewShot } from './shots';
import { ADMIN_STATE, checkA11y, expect, pollApi, shot, test } from './support';

// Long test (backup and restore on TCG), so single steps fail fast instead of eating the whole budget.
test.use({ storageState: ADMIN_STATE, actionTimeout: 30_000 });

type Vm = { id: string; name: string; state: string; guestReady: boolean };
type Job = {
  id: string;
  name: string;
  lastRun: { state: string; error: string | null } | null;
  activeTaskId: string | null;
};
type Point = { id: string; kind: string };

async function createVm(request: APIRequestContext, name: string, tags: string[]): Promise<string> {
  const images = (await (await request.get('/api/images')).json()) as { id: string; name: string; status: string }[];
  const image = images.find((i) => i.name === 'tiny-linux' && i.status === 'ready')!;
  const res = await request.post('/api/vms', {
    data: { name, imageId: image.id, vcpus: 1, memoryMiB: 128, diskSizeGiB: 1, tags },
  });
  expect(res.status()).toBe(202);
  return ((await res.json()) as { vmId: string }).vmId;
}

test('back up a VM by clicking: repository, job with schedule and retention preview, run now, restore as a new VM', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const suffix = Date.now().toString(36);
  const vmName = `bk-${suffix}`;
  const repoName = `e2e-repo-${suffix}`;
  const jobName = `nightly-${suffix}`;
  const restoredName = `bk-${suffix}-restored`;
  const repoDir = path.resolve(import.meta.dirname, '..', E2E_DATA, 'shared', `backups-${suffix}`);

  // A VM to protect, booting while the repository and the job are set up.
  const tag = `bk-${suffix}`;
  const vmId = await createVm(page.request, vmName, [tag]);

  // Register a repository on the stack's shared storage.
  await page.goto('/backups');
  await page
    .getByRole('button', { name: /^Register (a )?repository$/ })
    .first()
    .click();
  let dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name', { exact: true }).fill(repoName);
  await dialog.getByLabel('Where', { exact: true }).selectOption('shared');
  await dialog.getByLabel('Directory', { exact: true }).fill(repoDir);
  await checkA11y(page);
  await dialog.getByRole('button', { name: 'Register', exact: true }).click();
  await expect(dialog.getByTestId('repository-registered')).toContainText(repoName);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('table', { name: 'Backup repositories' })).toContainText(repoName);

  await pollApi(
    page.request,
    `/api/vms/${vmId}`,
    (b) => (b as Vm).state === 'running' && (b as Vm).guestReady,
    150_000,
  );

  // Create the job by clicking: the VM by name, the nightly schedule in words and on a calendar,
  // and the retention policy's preview before saving.
  await page.getByRole('button', { name: 'New backup job' }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByLabel('Job name', { exact: true }).fill(jobName);
  const repos = (await (await page.request.get('/api/backup-repositories')).json()) as { id: string; name: string }[];
  await dialog.getByLabel('Repository', { exact: true }).selectOption(repos.find((r) => r.name === repoName)!.id);
  // By tag, so a VM given the tag later is picked up too.
  await dialog.getByRole('textbox', { name: 'Add a tag' }).fill(tag);
  await dialog.getByRole('textbox', { name: 'Add a tag' }).press('Enter');
  await expect(dialog.getByRole('button', { name: tag, pressed: true })).toBeVisible();
  // A bad cron gets croner's reason from the preview endpoint (422), and blocks saving.
  await dialog.getByLabel('Cron expression', { exact: true }).fill('61 3 * * *');
  await expect(dialog.getByTestId('schedule-error')).toContainText(/minute/i);
  await dialog.getByLabel('Cron expression', { exact: true }).fill('0 3 * * *');
  await dialog.getByLabel('Timezone', { exact: true }).selectOption('UTC');
  await expect(dialog.getByTestId('schedule-words')).toContainText('03:00');
  await expect(dialog.getByTestId('schedule-calendar')).toBeVisible();
  const simulated = dialog.getByTestId('retention-simulated');
  await expect(simulated).toBeVisible();
  expect(Number(await simulated.getAttribute('data-kept'))).toBeGreaterThan(0);
  expect(Number(await simulated.getAttribute('data-kept'))).toBeLessThan(
    Number(await simulated.getAttribute('data-total')),
  );
  // A tall window so the whole form (schedule calendar and retention preview) is in the picture.
  await page.setViewportSize({ width: 1280, height: 1750 });
  await shot(page, 'backup-job-form');
  await page.setViewportSize({ width: 1280, height: 800 });
  await dialog.getByRole('button', { name: 'Create job' }).click();
  await expect(dialog.getByTestId('job-saved')).toContainText(jobName);
  await dialog.getByRole('button', { name: 'Done' }).click();

  // Run it now and wait for a successful run with a full restore point.
  await page.getByRole('button', { name: `Run now: ${jobName}` }).click();
  const job = await pollApi(
    page.request,
    '/api/backup-jobs',
    (b) => {
      const j = (b as Job[]).find((x) => x.name === jobName);
      return j?.lastRun && j.lastRun.state !== 'running' && !j.activeTaskId ? j : undefined;
    },
    240_000,
  );
  expect(job.lastRun!.error).toBeNull();
  expect(job.lastRun!.state).toBe('succeeded');
  const row = page.getByRole('row').filter({ hasText: jobName });
  await expect(row.getByTestId('run-state')).toHaveText('Success');
  await expect(
    page
      .getByRole('table', { name: 'VM protection' })
      .getByRole('row')
      .filter({ hasText: vmName })
      .getByTestId('protection-status'),
  ).toHaveText('Protected');
  await expect(page.getByTestId('chart-job-size')).toBeVisible();
  await shot(page, 'backups');

  // The restore point on the VM's timeline; choose it and restore it as a new VM.
  const points = (await (await page.request.get(`/api/restore-points?vmId=${vmId}`)).json()) as Point[];
  expect(points).toHaveLength(1);
  expect(points[0].kind).toBe('full');
  // The fleet-wide list of points, paged and filtered by the server.
  await page.goto('/restore-points');
  const list = page.getByRole('table', { name: 'Restore points' });
  await page.getByLabel('Filter restore points').fill(vmName);
  await expect(list.getByRole('row').filter({ hasText: vmName })).toHaveCount(1);
  await shot(page, 'restore-points');
  await page.goto(`/vms/${vmId}`);
  const dot = page.getByTestId('restore-point-dot');
  await expect(dot).toHaveCount(1);
  await dot.click();
  await expect(page.getByTestId('restore-point-actions')).toBeVisible();
  await page.getByTestId('restore-points').screenshot({ path: 'e2e/screenshots/vm-restore-timeline.png' });

  await page.getByRole('button', { name: 'Restore as new VM' }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByLabel('New VM name', { exact: true }).fill(restoredName);
  await expect(dialog.getByLabel('Host', { exact: true })).toHaveValue('auto');
  await viewShot(page, 'restore-dialog'); // the window: a modal's backdrop covers only that

  await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(dialog.getByTestId('task-progress')).toBeVisible();
  await expect(dialog.getByTestId('task-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 240_000 });
  await dialog.getByRole('button', { name: `Open ${restoredName}` }).click();
  await expect(page).toHaveURL(/\/vms\/vm-[0-9a-f]+$/);
  await expect(page.getByRole('heading', { name: restoredName })).toBeVisible();
  await expect(page.getByTestId('vm-state')).toHaveText(/running/i, { timeout: 120_000 });
  await expect(page.getByText('VMOPS-READY')).toBeVisible({ timeout: 90_000 });
  await shot(page, 'restored-vm');

  const restoredId = page.url().split('/').pop()!;

  // Roll the original VM back to the point: the typed name is required, and it runs again afterwards.
  await page.goto(`/vms/${vmId}`);
  await page.getByTestId('restore-point-dot').click();
  await page.getByRole('button', { name: 'Replace this VM…' }).click();
  dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('safety restore point');
  await dialog.getByRole('textbox', { name: /to confirm/ }).fill('not-the-name');
  await dialog.getByRole('button', { name: `Replace ${vmName}` }).click();
  await expect(dialog.locator('p.text-red-600')).toContainText(vmName); // the server's 422, under the field
  await dialog.getByRole('textbox', { name: /to confirm/ }).fill(vmName);
  await viewShot(page, 'replace-dialog');
  await dialog.getByRole('button', { name: `Replace ${vmName}` }).click();
  await expect(dialog.getByTestId('task-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 240_000 });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('vm-state')).toHaveText(/running/i, { timeout: 120_000 });

  // Free the two VMs' memory for the specs that follow.
  for (const id of [restoredId, vmId]) expect((await page.request.delete(`/api/vms/${id}`)).status()).toBe(202);
});
