import type { Page } from '@playwright/test';
import { freezeAgent } from './agent-process';
import { guestCommand } from './agent-serial';
import { ADMIN_STATE, VIEWER_STATE, expect, mainSiteHosts, pollApi, test } from './support';
import { pageShot, viewShot } from './shots';

test.use({ storageState: ADMIN_STATE });
// Two VM boots under TCG, a host failure (lease timeout 8 s), two restarts with their guest boots, the host's return.
test.setTimeout(600_000);

type Host = { id: string; name: string; site: string };
type Vm = { id: string; hostId: string; state: string; guestReady: boolean };
type HaRestart = {
  vmId: string;
  state: string;
  targetHostId: string | null;
  manual: boolean;
  failedAt: string | null;
  detectedAt: string;
  decidedAt: string | null;
  qemuUpAt: string | null;
  guestReadyAt: string | null;
};
type HaPolicy = {
  enabled: boolean;
  admission: string;
  hostFailuresToTolerate: number;
  failoverHostIds: string[];
  edacThreshold: number;
};
type HaOverview = { policy: HaPolicy; hosts: { hostId: string; state: string }[]; restarts: HaRestart[] };

const overview = async (page: Page) => (await (await page.request.get('/api/ha')).json()) as HaOverview;
const hostRow = (page: Page, name: string) =>
  page
    .getByRole('table', { name: 'HA hosts' })
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name, exact: true }) });
const failoverRow = (page: Page, vm: string) =>
  page.getByTestId('failover-vm').filter({ has: page.getByRole('link', { name: vm, exact: true }) });
const restartRow = (page: Page, vm: string) =>
  page.getByTestId('ha-restart').filter({ has: page.getByRole('link', { name: vm, exact: true }) });

async function setMaintenance(page: Page, host: Host, enabled: boolean): Promise<void> {
  expect((await page.request.post(`/api/hosts/${host.id}/maintenance`, { data: { enabled } })).status()).toBe(202);
  await pollApi(
    page.request,
    `/api/hosts/${host.id}`,
    (b) => (b as { maintenance: boolean }).maintenance === enabled,
    60_000,
  );
}

test('the HA page: live host states, the policy form, a host failure, a pending restart cancelled and two restarts by clicking with their timelines, the event timeline', async ({
  page,
}) => {
  const [h1, h2] = await mainSiteHosts<Host>(page.request);
  const { enabled, admission, hostFailuresToTolerate, failoverHostIds, edacThreshold } = (await overview(page)).policy;
  const base = `e2e-ha-${Date.now().toString(36)}`;
  const [plain, guarded] = [`${base}-a`, `${base}-b`]; // HA off / HA on

  // The page from the shell's nav: both hosts online, their leases moving.
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'HA', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'High availability' })).toBeVisible();
  for (const h of [h1, h2]) {
    await expect(hostRow(page, h.name).getByTestId('ha-host-state')).toHaveAttribute('data-state', 'online', {
      timeout: 60_000,
    });
    await expect(hostRow(page, h.name).getByTestId('lease-age')).toHaveText(/^\d+\.\d s$/);
  }
  await expect(page.getByTestId('ha-protection')).toHaveAttribute('data-status', 'none');

  // The policy form: a bad value is answered at the field, a good one saved.
  const policy = page.getByRole('form', { name: 'HA policy' });
  await policy.getByRole('radio', { name: /Tolerate host failures/ }).check();
  await policy.getByLabel('Host failures to tolerate').fill('');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(policy.getByText('Not saved: fix the fields marked in red.')).toBeVisible();
  await policy.getByLabel('Host failures to tolerate').fill('1');
  await policy.getByLabel('Memory error threshold').fill('25');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByText('HA policy saved')).toBeVisible();
  await expect
    .poll(async () => (await overview(page)).policy)
    .toMatchObject({ admission: 'tolerate', hostFailuresToTolerate: 1, edacThreshold: 25 });
  await expect(
    page.getByRole('list', { name: 'HA events' }).locator('li[data-kind="policy-changed"]').first(),
  ).toBeVisible();

  // Two VMs on the second host, disks on shared storage: one without HA (its guest writes a few
  // records), one with HA. The page counts the protected one.
  const plainId = await createVm(page, plain, h2, false);
  const guardedId = await createVm(page, guarded, h2, true);
  for (const id of [plainId, guardedId])
    await pollApi(
      page.request,
      `/api/vms/${id}`,
      (b) => (b as Vm).state === 'running' && (b as Vm).guestReady,
      180_000,
    );
  await guestCommand(page.request, h2.id, plainId, 'write 5', 'VMOPS-OK seq=5');
  await page.goto('/ha');
  await expect(page.getByTestId('ha-protected')).toHaveText('1 / 1');
  await expect(page.getByTestId('ha-protection')).toHaveAttribute('data-status', 'ok');
  await pageShot(page, 'ha-overview');

  // The first host in maintenance, so the HA VM will have nowhere to go.
  await setMaintenance(page, h1, true);

  // The second host fails: its agent frozen, its lease stops; its fence watchdog kills the VMs' QEMU.
  const thaw = freezeAgent(h2.name);
  try {
    const row = hostRow(page, h2.name);
    await expect(row.getByTestId('ha-host-state')).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
    await expect(row.getByTestId('ha-host-reason')).toContainText('expired');
    await expect(hostRow(page, h1.name)).toContainText('Maintenance');

    // The HA VM's restart waits, saying why; cancelled by clicking.
    const pending = restartRow(page, guarded);
    await expect(pending).toHaveAttribute('data-state', 'pending', { timeout: 30_000 });
    await expect(pending.getByTestId('restart-reason')).toContainText(h1.name);
    await expect(pending.locator('[data-step="detectedAt"]')).toHaveAttribute('data-done', 'true');
    // Nowhere to go by hand either, and the page says so before anyone clicks.
    await expect(failoverRow(page, plain).getByRole('button', { name: 'Restart on best host' })).toBeDisabled();
    await expect(failoverRow(page, plain).getByRole('option', { name: /in maintenance/ })).toHaveCount(1);
    await pageShot(page, 'ha-host-failed');
    await pending.getByRole('button', { name: 'Cancel restart' }).click();
    const confirm = page.getByRole('dialog');
    await expect(confirm).toContainText(`stops trying to restart ${guarded}`);
    await viewShot(page, 'ha-cancel-restart');
    await confirm.getByRole('button', { name: 'Cancel restart' }).click();
    await expect(pending).toHaveAttribute('data-state', 'cancelled');

    // The host page says the same.
    await page.goto(`/hosts/${h2.id}`);
    await expect(page.getByTestId('host-ha').getByTestId('ha-host-state')).toHaveAttribute('data-state', 'failed');
    await expect(page.getByTestId('host-lease-age')).toHaveText(/^\d+\.\d s$/);
    await pageShot(page, 'host-ha-failed');

    // Room again: the VM without HA restarted on the first host by name, by clicking; its timeline to the guest ready.
    await setMaintenance(page, h1, false);
    await page.goto('/ha');
    await expect(failoverRow(page, plain).getByRole('button', { name: 'Restart on best host' })).toBeEnabled();
    await failoverRow(page, plain).getByLabel(`Restart ${plain} on`).selectOption(h1.id);
    await failoverRow(page, plain)
      .getByRole('button', { name: `Restart on ${h1.name}` })
      .click();
    const restart = restartRow(page, plain);
    await expect(restart).toHaveAttribute('data-state', /restarting|running/);
    await expect(restart).toHaveAttribute('data-state', 'running', { timeout: 240_000 });
    for (const step of ['detectedAt', 'decidedAt', 'qemuUpAt', 'guestReadyAt'])
      await expect(restart.locator(`[data-step="${step}"]`)).toHaveAttribute('data-done', 'true');
    await expect(restart.getByTestId('restart-outage')).toHaveText(/^\d+\.\d s$/);
    await expect(failoverRow(page, plain)).toHaveCount(0);

    const r = (await overview(page)).restarts.find((x) => x.vmId === plainId && x.state === 'running')!;
    expect(r).toMatchObject({ targetHostId: h1.id, manual: true });
    const at = (t: string | null) => (t ? Date.parse(t) : Number.NaN);
    const times = [r.failedAt, r.detectedAt, r.decidedAt, r.qemuUpAt, r.guestReadyAt].map(at);
    expect(times.every((t, i) => Number.isFinite(t) && (i === 0 || t >= times[i - 1]))).toBe(true);
    console.log(
      `manual failover: lease expiry declared ${times[1] - times[0]} ms after the last renewal; clicked ${times[2] - times[1]} ms later; ` +
        `QEMU up ${times[3] - times[2]} ms after the click, guest ready ${times[4] - times[3]} ms after that`,
    );

    // The cancelled HA VM, restarted on the best host by clicking.
    await failoverRow(page, guarded).getByRole('button', { name: 'Restart on best host' }).click();
    await expect(restartRow(page, guarded).and(page.locator('[data-state="running"]'))).toHaveCount(1, {
      timeout: 240_000,
    });
    await expect(page.getByTestId('failover-vm')).toHaveCount(0);

    // The event timeline, newest first: lease expiry, then the restarts.
    const events = page.getByRole('list', { name: 'HA events' });
    await expect(events.locator('li[data-kind="lease-expired"]').filter({ hasText: h2.name }).first()).toBeVisible();
    await expect(
      events.locator('li[data-kind="restart-cancelled"]').filter({ hasText: guarded }).first(),
    ).toBeVisible();
    await expect(events.locator('li[data-kind="restart-done"]').filter({ hasText: plain }).first()).toBeVisible();
    const kinds = await events.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds.indexOf('restart-done')).toBeLessThan(kinds.indexOf('restart-cancelled'));
    expect(kinds.indexOf('restart-cancelled')).toBeLessThan(kinds.indexOf('lease-expired'));
    await pageShot(page, 'ha-restarted');

    // Running on the first host, the first with every record its guest wrote before the failure.
    for (const id of [plainId, guardedId])
      await pollApi(
        page.request,
        `/api/vms/${id}`,
        (b) => (b as Vm).hostId === h1.id && (b as Vm).state === 'running',
        60_000,
      );
    await guestCommand(page.request, h1.id, plainId, 'read', 'last=5 count=5 gaps=0');
  } finally {
    thaw();
  }

  // The second host comes back (fenced, then its lease renewed): online again, and the VMs stay where they were
  // restarted.
  await expect(hostRow(page, h2.name).getByTestId('ha-host-state')).toHaveAttribute('data-state', 'online', {
    timeout: 120_000,
  });
  for (const id of [plainId, guardedId])
    expect((await (await page.request.get(`/api/vms/${id}`)).json()) as Vm).toMatchObject({
      hostId: h1.id,
      state: 'running',
    });

  // HA on from the VM's page: priority and order saved.
  await page.goto(`/vms/${plainId}`);
  const haCard = page.getByTestId('vm-ha');
  await haCard.getByRole('switch', { name: 'Restart on host failure' }).click();
  await haCard.getByLabel('Restart priority').selectOption('high');
  await haCard.getByLabel('Restart order').fill('2');
  await haCard.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(`HA on for ${plain}`)).toBeVisible();
  await expect(haCard).toContainText('On: high priority, order 2');
  await pageShot(page, 'vm-ha');

  // Leave the cluster as found for the other specs.
  for (const id of [plainId, guardedId]) expect((await page.request.delete(`/api/vms/${id}`)).status()).toBe(202);
  await pollApi(
    page.request,
    '/api/vms',
    (b) => !(b as Vm[]).some((v) => v.id === plainId || v.id === guardedId),
    120_000,
  );
  expect(
    (
      await page.request.put('/api/ha/policy', {
        data: { enabled, admission, hostFailuresToTolerate, failoverHostIds, edacThreshold },
      })
    ).ok(),
  ).toBe(true);
});

test.describe('as a viewer', () => {
  test.use({ storageState: VIEWER_STATE });

  test('a viewer reads the HA page and changes nothing', async ({ page }) => {
    await page.goto('/ha');
    const policy = page.getByRole('form', { name: 'HA policy' });
    await expect(policy.getByRole('switch', { name: 'Restart VMs of failed hosts' })).toBeDisabled();
    await expect(policy.getByRole('radio', { name: /Tolerate host failures/ })).toBeDisabled();
    await expect(policy.getByRole('button', { name: 'Save policy' })).toBeDisabled();
    await expect(policy).toContainText('Viewers cannot change anything.');
    const before = (await overview(page)).policy;
    const res = await page.request.put('/api/ha/policy', {
      data: { ...before, updatedAt: undefined, enabled: !before.enabled },
    });
    expect(res.status()).toBe(403);
    expect((await overview(page)).policy.enabled).toBe(before.enabled);
  });
});

// A VM from the create form on `host`, its disk on shared storage; returns once it is created (booting).
async function createVm(page: Page, name: string, host: Host, ha: boolean): Promise<string> {
  await page.goto('/vms/new');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Image').selectOption({ label: 'tiny-linux 1.0' });
  await page.getByLabel('Host', { exact: true }).selectOption(host.id);
  await page.getByLabel('vCPUs').fill('1');
  await page.getByLabel('Memory (MiB)').fill('128');
  await page.getByLabel('Disk (GiB)').fill('1');
  await page.getByLabel('Storage', { exact: true }).selectOption('shared');
  if (ha) await page.getByRole('switch', { name: 'High availability' }).click();
  await page.getByRole('button', { name: 'Create VM' }).click();
  await expect(page).toHaveURL(/\/vms\/vm-[0-9a-f]+$/);
  return page.url().split('/').pop()!;
}
