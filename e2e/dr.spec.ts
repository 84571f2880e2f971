import type { APIRequestContext, Page } from '@playwright/test';
import { guestCommand } from './agent-serial';
import { pageShot, viewShot } from './shots';
import { startSiteAgent } from './site-agent';
import { ADMIN_STATE, checkA11y, expect, pollApi, test } from './support';

// A VM on site main protected to a host of site dr by clicking: replica points every 15 s, a test
// failover booted and discarded, a failover plan (the VM alone: the guest budget) run as a test
// and its copy discarded, then a planned failover: the replica runs with every record the guest
// wrote; then the failback by clicking: reverse runs, the switch back, the VM runs on site main
// again with every record (the replica's too). Under TCG: five guest boots.
test.use({ storageState: ADMIN_STATE, actionTimeout: 30_000 });
test.setTimeout(1_800_000);

type Host = { id: string; name: string; site: string };
type Vm = { id: string; state: string; guestReady: boolean; activeTaskId: string | null; drState: string | null };
type Job = {
  id: string;
  status: string;
  state: string;
  vm: { id: string };
  replica: { id: string; hostId: string };
  tests: { vmId: string }[];
};

const ready = (request: APIRequestContext, vmId: string) =>
  pollApi(
    request,
    `/api/vms/${vmId}`,
    (b) => (b as Vm).state === 'running' && (b as Vm).guestReady && !(b as Vm).activeTaskId,
    240_000,
  );

async function jobOf(request: APIRequestContext, vmId: string): Promise<Job | undefined> {
  const o = (await (await request.get('/api/dr/overview')).json()) as { jobs: Job[] };
  return o.jobs.find((j) => j.vm.id === vmId);
}

const jobRow = (page: Page, vmName: string) =>
  page
    .getByRole('table', { name: 'Protected VMs' })
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: vmName, exact: true }) });

test('disaster recovery: protect a VM to site dr by clicking, replica points, a test failover discarded, a planned failover', async ({
  page,
}) => {
  const hosts = (await (await page.request.get('/api/hosts')).json()) as Host[];
  const h1 = hosts.filter((h) => h.site === 'main').sort((a, b) => a.name.localeCompare(b.name))[0];
  const dr = await startSiteAgent(page.request, 'e2e-dr1', 7203, 'dr');
  const vmName = `e2e-dr-${Date.now().toString(36)}`;
  let vmId: string | null = null;
  try {
    const images = (await (await page.request.get('/api/images')).json()) as { id: string; name: string }[];
    const image = images.find((i) => i.name === 'tiny-linux')!;
    const created = await page.request.post('/api/vms', {
      data: { name: vmName, imageId: image.id, hostId: h1.id, vcpus: 1, memoryMiB: 128, diskSizeGiB: 1 },
    });
    expect(created.status()).toBe(202);
    vmId = ((await created.json()) as { vmId: string }).vmId;
    await ready(page.request, vmId);
    await guestCommand(page.request, h1.id, vmId, 'write 3', 'VMOPS-OK seq=3');

    // The page from the nav: both sites with their hosts.
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Disaster recovery' }).click();
    await expect(page.getByRole('heading', { name: 'Disaster recovery', level: 1 })).toBeVisible();
    await checkA11y(page);
    await expect(page.locator('[data-testid="dr-site"][data-site="dr"]')).toContainText(dr.host.name);
    await expect(page.locator('[data-testid="dr-site"][data-site="main"]')).toContainText(h1.name);

    // Protect it: the target list offers only the other site's host.
    await page.getByRole('button', { name: 'Protect a VM' }).first().click();
    const dialog = page.getByRole('dialog');
    // The VM picker searches the server as the name is typed (a fleet does not fit in a <select>).
    await dialog.getByRole('combobox', { name: 'VM', exact: true }).fill(vmName);
    await dialog.getByRole('option', { name: `${vmName} — ${h1.name}, site main` }).click();
    const target = dialog.getByLabel('Target host');
    await expect(target.locator('option', { hasText: h1.name })).toHaveCount(0);
    await target.selectOption(dr.host.id);
    await dialog.getByLabel('Interval (s)').fill('15');
    await dialog.getByLabel('Keep points').fill('6');
    await viewShot(page, 'dr-protect');
    await dialog.getByRole('button', { name: 'Protect', exact: true }).click();
    await expect(dialog.getByTestId('dr-protected')).toContainText(dr.host.name);
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The first run copies the disk, the next ones the changed blocks: two points, RPO met.
    const row = jobRow(page, vmName);
    await expect(row).toHaveCount(1);
    const points = page.getByTestId('dr-point');
    await expect.poll(() => points.count(), { timeout: 180_000, intervals: [2_000] }).toBeGreaterThanOrEqual(2);
    await expect(points.last()).toHaveAttribute('data-kind', 'full');
    await expect(points.first()).toHaveAttribute('data-kind', 'incremental');
    await expect(row.getByTestId('dr-status')).toHaveAttribute('data-state', 'ok');
    await expect
      .poll(async () => Number(await page.getByTestId('chart-dr-lag').getAttribute('data-points')), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(2);
    const job = (await jobOf(page.request, vmId))!;
    await pageShot(page, 'dr-overview');

    // Paused: the service takes one DR task of a job at a time, so no scheduled run may slip in
    // between the clicks below (the buttons say so while a run is in progress).
    await row.getByRole('button', { name: 'Pause' }).click();
    await expect(row.getByTestId('dr-status')).toHaveAttribute('data-state', 'paused');
    await expect(row.getByRole('button', { name: 'Test failover' })).toBeEnabled({ timeout: 120_000 });

    // Test failover: a copy of the newest point boots on site dr; the VM list labels it and the replica.
    await row.getByRole('button', { name: 'Test failover' }).click();
    await checkA11y(page);
    await page.getByRole('dialog').getByRole('button', { name: 'Start test copy' }).click();
    const testCopy = row.getByTestId('dr-test-copy');
    await expect(testCopy.locator('[data-state="running"]')).toHaveCount(1, { timeout: 240_000 });
    await pageShot(page, 'dr-test-failover');
    const testName = (await testCopy.getAttribute('data-vm'))!;
    await page.goto('/vms');
    await expect(page.getByRole('row').filter({ hasText: testName }).getByTestId('vm-dr-label')).toHaveText(
      'DR test copy (isolated: no network device)',
    );
    await expect(
      page
        .getByRole('row')
        .filter({ hasText: `${vmName}-replica` })
        .getByTestId('vm-dr-label'),
    ).toHaveText(`Replica of ${vmName} (start blocked)`);
    await pageShot(page, 'dr-vm-labels');

    // Discarded: the ordinary VM delete.
    await page.goto('/dr');
    await jobRow(page, vmName).getByRole('button', { name: 'Discard test' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Discard', exact: true }).click();
    await expect(jobRow(page, vmName).getByTestId('dr-test-copy')).toHaveCount(0, { timeout: 120_000 });

    await runPlanAsTest(page, vmName);

    // An unplanned failover asks for the VM's name before it may go; cancelled here.
    await jobRow(page, vmName).getByRole('button', { name: 'Failover', exact: true }).click();
    const fo = page.getByRole('dialog');
    await fo.getByRole('radio', { name: /Unplanned/ }).check();
    await expect(fo.getByRole('button', { name: 'Fail over now' })).toBeDisabled();
    await fo.getByLabel(/to confirm/).fill(vmName);
    await expect(fo.getByRole('button', { name: 'Fail over now' })).toBeEnabled();
    await viewShot(page, 'dr-failover-unplanned');
    await fo.getByRole('button', { name: 'Cancel' }).click();

    // Planned failover: the VM shut down, its last writes copied, the replica started from them.
    await guestCommand(page.request, h1.id, vmId, 'write 2', 'VMOPS-OK seq=5');
    await jobRow(page, vmName).getByRole('button', { name: 'Failover', exact: true }).click();
    await expect(fo.getByRole('radio', { name: /Planned/ })).toBeChecked();
    await fo.getByRole('button', { name: 'Start planned failover' }).click();
    await expect(jobRow(page, vmName).getByTestId('dr-status')).toHaveAttribute('data-state', 'failed-over', {
      timeout: 300_000,
    });
    await ready(page.request, job.replica.id);
    await guestCommand(page.request, dr.host.id, job.replica.id, 'read', 'last=5 count=5 gaps=0');
    // Failed over: the forward controls give way to the failback.
    await expect(jobRow(page, vmName).getByRole('button', { name: 'Test failover' })).toHaveCount(0);
    await expect(jobRow(page, vmName).getByRole('button', { name: 'Start failback' })).toBeEnabled();
    await pageShot(page, 'dr-failed-over');

    // The source refuses to start and says why; the replica's page shows its replication card.
    await page.goto(`/vms/${vmId}`);
    await expect(page.getByTestId('vm-dr-label')).toHaveText('Failed over to its replica (start blocked)');
    await expect(page.getByTestId('vm-replication').getByTestId('dr-status')).toHaveAttribute(
      'data-state',
      'failed-over',
    );
    expect((await page.request.post(`/api/vms/${vmId}/actions/start`)).status()).toBe(409);
    await page.goto(`/vms/${job.replica.id}`);
    await expect(page.getByTestId('vm-replication')).toContainText(`Took over from ${vmName}`);
    await pageShot(page, 'dr-replica-vm');

    await failBack(page, { vmId, vmName, replicaId: job.replica.id, h1, dr: dr.host });
  } finally {
    // Test copies, the job, then both VMs (the source and the replica it became), then the site's agent.
    if (vmId) await removeAll(page.request, vmId).catch(() => undefined);
    await dr.stop();
  }
});

async function removeAll(request: APIRequestContext, vmId: string): Promise<void> {
  const gone = (ids: string[]) =>
    pollApi(request, '/api/vms', (b) => !(b as Vm[]).some((v) => ids.includes(v.id)), 120_000);
  const job = await jobOf(request, vmId);
  const tests = job?.tests.map((t) => t.vmId) ?? [];
  for (const id of tests) await request.delete(`/api/vms/${id}`);
  await gone(tests);
  if (job) await request.delete(`/api/dr/jobs/${job.id}`);
  const vms = [vmId, ...(job?.state === 'failed-over' ? [job.replica.id] : [])];
  for (const id of vms) await request.delete(`/api/vms/${id}`);
  await gone(vms);
}

// A plan holding the VM (boot order 1), made and run as a test by clicking; its copy discarded.
async function runPlanAsTest(page: Page, vmName: string): Promise<void> {
  const planName = `plan-${vmName}`;
  const plans = page.getByTestId('dr-plans');
  await plans.getByRole('button', { name: 'New plan' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Create plan' }).click();
  await expect(dialog.getByText('Enter a name')).toBeVisible();
  await dialog.getByLabel('Name', { exact: true }).fill(planName);
  await dialog.getByRole('checkbox', { name: new RegExp(vmName) }).check();
  await dialog.getByLabel(`Boot order of ${vmName}`).fill('1');
  await viewShot(page, 'dr-plan-edit');
  await dialog.getByRole('button', { name: 'Create plan' }).click();
  const plan = plans.locator(`[data-testid="dr-plan"][data-plan="${planName}"]`);
  await expect(plan).toContainText(vmName);

  await plan.getByRole('button', { name: 'Run', exact: true }).click();
  const run = page.getByRole('dialog');
  await run.getByRole('radio', { name: /Unplanned/ }).check();
  await expect(run.getByRole('button', { name: 'Fail over now' })).toBeDisabled(); // the plan's name not typed
  await run.getByRole('radio', { name: /Test/ }).check();
  await run.getByRole('button', { name: 'Run test' }).click();
  await expect(plan.getByTestId('task-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 400_000 });
  const testCopy = jobRow(page, vmName).getByTestId('dr-test-copy');
  await expect(testCopy.locator('[data-state="running"]')).toHaveCount(1);
  await plans.scrollIntoViewIfNeeded();
  await pageShot(page, 'dr-plans');

  await testCopy.getByRole('button', { name: 'Discard test' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Discard', exact: true }).click();
  await expect(testCopy).toHaveCount(0, { timeout: 120_000 });
}

// After the planned failover: the replica writes more, the failback starts by clicking, reverse
// runs send its changes back into the original disk, the switch back starts the VM on site main.
async function failBack(
  page: Page,
  v: { vmId: string; vmName: string; replicaId: string; h1: Host; dr: { id: string } },
): Promise<void> {
  await guestCommand(page.request, v.dr.id, v.replicaId, 'write 1', 'VMOPS-OK seq=6');
  await page.goto('/dr');
  const row = jobRow(page, v.vmName);
  await row.getByRole('button', { name: 'Start failback' }).click();
  const start = page.getByRole('dialog');
  await expect(start).toContainText('only the blocks changed since the failover');
  await viewShot(page, 'dr-failback-start');
  await start.getByRole('button', { name: 'Start failback' }).click();
  await expect(row.getByTestId('dr-status')).toHaveAttribute('data-state', 'failing-back');
  await expect(row.getByTestId('dr-failback')).toContainText(/[1-9]\d* reverse runs? · .* against a full copy of \d/, {
    timeout: 300_000,
  });
  await guestCommand(page.request, v.dr.id, v.replicaId, 'write 1', 'VMOPS-OK seq=7');
  await expect(row.getByRole('button', { name: 'Complete failback' })).toBeEnabled({ timeout: 120_000 });
  await pageShot(page, 'dr-failback');

  await row.getByRole('button', { name: 'Complete failback' }).click();
  const done = page.getByRole('dialog');
  await expect(done.getByRole('button', { name: 'Complete failback' })).toBeDisabled();
  await done.getByLabel(/to confirm/).fill(v.vmName);
  await done.getByRole('button', { name: 'Complete failback' }).click();
  await expect
    .poll(async () => (await jobOf(page.request, v.vmId))?.state, { timeout: 400_000, intervals: [2_000] })
    .toBe('active');
  await ready(page.request, v.vmId);
  await guestCommand(page.request, v.h1.id, v.vmId, 'read', 'last=7 count=7 gaps=0');
  await expect(row.getByTestId('dr-status')).not.toHaveAttribute('data-state', /failing-back|failed-over/);
  await pageShot(page, 'dr-failback-done');
}
