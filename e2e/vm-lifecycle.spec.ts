import { ADMIN_STATE, checkA11y, expect, pollApi, shot, test } from './support';

test.use({ storageState: ADMIN_STATE });

test('create a VM from an image through the form, watch it run, see live load, stop, start and delete it', async ({
  page,
}) => {
  const name = `e2e-${Date.now().toString(36)}`;

  await page.goto('/vms/new');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Image').selectOption({ label: 'tiny-linux 1.0' });
  await page.getByLabel('vCPUs').fill('1');
  await page.getByLabel('Memory (MiB)').fill('128');
  await page.getByLabel('Disk (GiB)').fill('1');
  await shot(page, 'vm-create-form');
  const started = Date.now();
  await page.getByRole('button', { name: 'Create VM' }).click();

  // The VM page shows the provisioning task's progress, then the VM running with its guest up.
  await expect(page).toHaveURL(/\/vms\/vm-[0-9a-f]+$/);
  const vmId = page.url().split('/').pop()!;
  await expect(page.getByTestId('vm-state')).toHaveText(/running/i, { timeout: 120_000 });
  const msToRunning = Date.now() - started;
  await expect(page.getByText('VMOPS-READY')).toBeVisible({ timeout: 90_000 });
  console.log(`create-to-running in the browser: ${msToRunning} ms`);

  // Its own metrics arrive (pushed every 5 s by the agent).
  await pollApi(
    page.request,
    `/api/vms/${vmId}/metrics?range=15m`,
    (b) => (b as { points: unknown[] }).points.length >= 2,
    60_000,
  );
  await page.reload();
  await expect(
    page.getByTestId('chart-vm-cpu').locator('.recharts-area-area, .recharts-line-curve').first(),
  ).toBeVisible();
  await shot(page, 'vm-detail');

  // Overview: cluster chart with data points and a card per host.
  await page.goto('/');
  // The heartbeat interval as the UI sees it: distinct lastHeartbeat values the hosts API serves.
  const beats = new Map<string, Set<string>>();
  for (let i = 0; i < 16; i++) {
    for (const h of (await (await page.request.get('/api/hosts')).json()) as { name: string; lastHeartbeat: string }[])
      (beats.get(h.name) ?? beats.set(h.name, new Set()).get(h.name)!).add(h.lastHeartbeat);
    await page.waitForTimeout(1000);
  }
  const gaps = [...beats.values()].flatMap((s) => {
    const t = [...s].map((x) => Date.parse(x)).sort((a, b) => a - b);
    return t.slice(1).map((v, i) => v - t[i]);
  });
  const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  console.log(
    `heartbeat interval seen through the dashboard API: mean ${Math.round(meanGap)} ms over ${gaps.length} gaps`,
  );
  // Functional bound, not a speed target: beats must come well inside the 15 s offline window.
  expect(meanGap).toBeLessThan(15_000);
  // The stack's own two hosts; the DR flow leaves a host of site dr behind.
  await expect(page.locator('[data-testid="host-card"][data-site="main"]')).toHaveCount(2);
  await expect(
    page.getByTestId('chart-cluster-cpu').locator('.recharts-area-area, .recharts-line-curve').first(),
  ).toBeVisible();
  await shot(page, 'overview');

  // Host page: load chart with data points, its VMs and storage pools.
  const vm = (await (await page.request.get(`/api/vms/${vmId}`)).json()) as { hostId: string; hostName: string };
  await page.goto(`/hosts/${vm.hostId}`);
  await expect(
    page.getByTestId('chart-host-cpu').locator('.recharts-area-area, .recharts-line-curve').first(),
  ).toBeVisible();
  await expect(page.getByRole('link', { name })).toBeVisible();
  await shot(page, 'host-detail');

  await page.goto('/hosts');
  await shot(page, 'hosts');
  await page.goto('/vms');
  await expect(page.getByRole('link', { name })).toBeVisible();
  await shot(page, 'vms');
  await page.goto('/images');
  await expect(page.getByText('tiny-linux')).toBeVisible();
  await shot(page, 'images');

  // Graceful stop, start again, then delete with the typed confirmation.
  await page.goto(`/vms/${vmId}`);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await checkA11y(page);
  await page.getByRole('dialog').getByRole('button', { name: /stop/i }).click();
  await expect(page.getByTestId('vm-state')).toHaveText(/stopped/i, { timeout: 90_000 });
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('vm-state')).toHaveText(/running/i, { timeout: 90_000 });
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox').fill(name);
  await checkA11y(page);
  await dialog.getByRole('button', { name: /delete/i }).click();
  await expect(page).toHaveURL(/\/vms$/, { timeout: 60_000 });
  await pollApi(page.request, `/api/vms`, (b) => !(b as { id: string }[]).some((v) => v.id === vmId), 60_000);

  // Lists page: the next page's address comes in a Link header; following it repeats no row.
  const first = await page.request.get('/api/tasks?limit=2');
  const next = /<([^>]+)>; rel="next"/.exec(first.headers().link ?? '')?.[1];
  expect(next).toMatch(/^\/api\/tasks\?limit=2&cursor=/);
  const second = (await (await page.request.get(next!)).json()) as { id: string }[];
  const firstIds = ((await first.json()) as { id: string }[]).map((t) => t.id);
  expect(second).toHaveLength(2);
  expect(second.filter((t) => firstIds.includes(t.id))).toEqual([]);

  await page.goto('/tasks');
  await expect(page.getByText(`Create VM ${name}`).first()).toBeVisible();
  await shot(page, 'tasks');
  await page.getByText(`Create VM ${name}`).first().click();
  await expect(page.getByText(/Guest ready/)).toBeVisible();
  await shot(page, 'task-detail');
  await page.goto('/audit');
  await expect(page.getByText('vm.delete').first()).toBeVisible();
  await shot(page, 'audit');
});
