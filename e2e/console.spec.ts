import type { Page } from '@playwright/test';
import WebSocket from 'ws';
import { E2E_URL } from '../playwright.config';
import { ADMIN_STATE, VIEWER, VIEWER_STATE, expect, pollApi, shot, test } from './support';

test.use({ storageState: ADMIN_STATE });

type Audit = { action: string; actorName: string; targetId: string | null; detail: Record<string, unknown> };
const STATUS_REPLY = /VMOPS-STATUS\s+uptime=[\d.]+\s+seq=\d+\s+burn=[01]/;

const terminal = (page: Page) => page.getByRole('region', { name: /^Serial console of / });

test("type into a running VM's serial console; a viewer watches the same console read-only", async ({
  page,
  browser,
}) => {
  const images = (await (await page.request.get('/api/images')).json()) as {
    id: string;
    name: string;
    status: string;
  }[];
  const imageId = images.find((i) => i.name === 'tiny-linux' && i.status === 'ready')!.id;
  const created = await page.request.post('/api/vms', {
    data: { name: `con-${Date.now().toString(36)}`, imageId, vcpus: 1, memoryMiB: 128, diskSizeGiB: 1 },
  });
  expect(created.status()).toBe(202);
  const { vmId } = (await created.json()) as { vmId: string };
  await pollApi(page.request, `/api/vms/${vmId}`, (v) => (v as { guestReady: boolean }).guestReady, 180_000);

  // The operator's (here: admin's) console: live, and the boot is already on the screen (history).
  await page.goto(`/vms/${vmId}`);
  await expect(page.getByTestId('console-badge')).toHaveText('Live');
  await expect(terminal(page)).toContainText('VMOPS-READY');
  await expect(page.getByText('VMOPS-READY')).toBeVisible(); // as the lifecycle and backup specs read it

  // A viewer opens the same console at the same time: watch only, and the page says so.
  const viewerContext = await browser.newContext({ storageState: VIEWER_STATE });
  const viewer = await viewerContext.newPage();
  await viewer.goto(`/vms/${vmId}`);
  await expect(viewer.getByTestId('console-badge')).toHaveText('Read-only');
  await expect(viewer.getByTestId('console-status')).toContainText('viewers can watch but not type');

  // Typing: xterm sends each key, Enter as CR; the guest answers on the same serial line.
  await terminal(page).click();
  await page.keyboard.type('status');
  const sent = Date.now();
  await page.keyboard.press('Enter');
  await expect(terminal(page)).toContainText(STATUS_REPLY, { timeout: 60_000 });
  console.log(`console: Enter to the guest's reply on screen in ${Date.now() - sent} ms`);
  await expect(terminal(viewer)).toContainText(STATUS_REPLY); // every viewer sees the guest's output
  // The click scrolled (sticky bars would sit mid-picture) and left the pointer over a chart (its tooltip).
  for (const p of [page, viewer]) {
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.mouse.move(0, 0);
  }
  await shot(page, 'vm-console');
  await shot(viewer, 'vm-console-viewer');

  // The viewer's keystrokes go nowhere: no answer to a command typed there.
  await terminal(viewer).click();
  await viewer.keyboard.type('write 1');
  await viewer.keyboard.press('Enter');
  await viewer.waitForTimeout(3_000);
  await expect(terminal(page)).not.toContainText('VMOPS-OK seq=');
  await viewerContext.close();

  // Stopped: the page says so and shows the log; started again: the console comes back by itself.
  expect((await page.request.post(`/api/vms/${vmId}/actions/stop`)).status()).toBe(202);
  await expect(page.getByTestId('console-badge')).toHaveText('VM off', { timeout: 60_000 });
  await expect(page.getByTestId('vm-console')).toContainText('VMOPS-STATUS');
  await expect(page.getByTestId('vm-state')).toHaveText(/stopped/i, { timeout: 60_000 });
  expect((await page.request.post(`/api/vms/${vmId}/actions/start`)).status()).toBe(202);
  await expect(page.getByTestId('console-badge')).toHaveText('Live', { timeout: 60_000 });
  await expect(terminal(page)).toContainText('VMOPS-STATUS'); // the history: the last boot's screen

  // Every session audited with its mode; closing records duration and bytes typed.
  await page.goto('/');
  const audits = await pollApi(
    page.request,
    `/api/audit?action=vm.console`,
    (b) => {
      const rows = (b as Audit[]).filter((a) => a.targetId === vmId);
      return rows.filter((a) => a.action === 'vm.console.close').length >= 3 ? rows : null;
    },
    30_000,
  );
  const opened = audits.filter((a) => a.action === 'vm.console.open');
  expect(opened.map((a) => [a.actorName, a.detail.mode]).sort()).toEqual([
    ['admin', 'interactive'],
    ['admin', 'interactive'],
    [VIEWER.username, 'read-only'],
  ]);
  const closed = audits.filter((a) => a.action === 'vm.console.close');
  expect(
    closed
      .filter((a) => a.actorName === 'admin')
      .map((a) => a.detail.bytesTyped)
      .sort(),
  ).toEqual([0, 'status\r'.length]);
  expect(closed.find((a) => a.actorName === VIEWER.username)!.detail).toMatchObject({
    mode: 'read-only',
    bytesTyped: 0,
  });

  // Signed out: the handshake is refused before anything reaches the agent.
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${E2E_URL.replace(/^http/, 'ws')}/api/vms/${vmId}/console/ws`, { origin: E2E_URL });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => (ws.terminate(), reject(new Error('opened without a session'))));
    ws.on('error', () => {});
  });
  expect(status).toBe(401);

  expect((await page.request.delete(`/api/vms/${vmId}`)).status()).toBe(202);
});
