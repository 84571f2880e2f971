import type { APIRequestContext, Page } from '@playwright/test';
import { guestCommand } from './agent-serial';
import { pageShot, viewShot } from './shots';
import { ADMIN_STATE, checkA11y, expect, mainSiteHosts, pollApi, test } from './support';

// Two VMs on two hosts under TCG: snapshots, a checkpoint, two reverts (one boots), a linked clone
// (boots) made independent, a group checkpoint of both and its restore.
test.use({ storageState: ADMIN_STATE, actionTimeout: 30_000 });
test.setTimeout(900_000);

type Host = { id: string; name: string; site: string };
type Vm = { id: string; state: string; guestReady: boolean; activeTaskId: string | null };

async function createVm(request: APIRequestContext, name: string, hostId: string): Promise<string> {
  const images = (await (await request.get('/api/images')).json()) as { id: string; name: string; status: string }[];
  const image = images.find((i) => i.name === 'tiny-linux' && i.status === 'ready')!;
  const res = await request.post('/api/vms', {
    data: { name, imageId: image.id, hostId, vcpus: 1, memoryMiB: 128, diskSizeGiB: 1, pool: 'shared' },
  });
  expect(res.status()).toBe(202);
  return ((await res.json()) as { vmId: string }).vmId;
}

const ready = (request: APIRequestContext, vmId: string) =>
  pollApi(
    request,
    `/api/vms/${vmId}`,
    (b) => (b as Vm).state === 'running' && (b as Vm).guestReady && !(b as Vm).activeTaskId,
    240_000,
  );

// A guest that has just booted again may not read its serial line yet: ask until it answers
// (for idempotent commands only: a repeated write would write twice).
async function guestSays(
  request: APIRequestContext,
  hostId: string,
  vmId: string,
  line: string,
  answer: string,
): Promise<void> {
  const until = Date.now() + 150_000;
  for (;;) {
    try {
      return await guestCommand(request, hostId, vmId, line, answer, 10_000);
    } catch (err) {
      if (Date.now() > until) throw err;
    }
  }
}

async function takePoint(page: Page, kind: 'snapshot' | 'checkpoint', name: string): Promise<void> {
  const card = page.getByTestId('snapshots-card');
  await card.getByRole('button', { name: `Take ${kind}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('Description', { exact: true }).fill(`e2e ${kind}`);
  await checkA11y(page);
  await dialog.getByRole('button', { name: `Take ${kind}` }).click();
  await expect(dialog).toBeHidden();
  await expect(card.getByTestId('snapshot-row').filter({ hasText: name })).toBeVisible({ timeout: 120_000 });
}

async function revertTo(page: Page, vmName: string, pointName: string, explained: RegExp): Promise<void> {
  await page
    .getByTestId('snapshots-card')
    .getByRole('button', { name: `Revert to ${pointName}` })
    .click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('revert-explained')).toContainText(explained);
  await checkA11y(page);
  await dialog.getByRole('button', { name: `Revert ${vmName}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `Revert of ${vmName} to “${pointName}”: done` })).toBeVisible(
    { timeout: 240_000 },
  );
}

// "You are here" (its data-depth says under which point) and the tree row of one point by name.
const here = (page: Page) => page.getByTestId('you-are-here');
const row = (page: Page, name: string) =>
  page.getByTestId('snapshot-row').filter({ has: page.getByTestId('snapshot-name').getByText(name, { exact: true }) });

test('snapshots, checkpoints, reverts, a linked clone and a group checkpoint by clicking; the timeline and the cluster chart', async ({
  page,
}) => {
  const [h1, h2] = await mainSiteHosts<Host>(page.request);
  const suffix = Date.now().toString(36);
  const [a, b, clone] = [`snap-a-${suffix}`, `snap-b-${suffix}`, `snap-a-${suffix}-clone`];
  const aId = await createVm(page.request, a, h1.id);
  const bId = await createVm(page.request, b, h2.id);
  await ready(page.request, aId);
  await guestCommand(page.request, h1.id, aId, 'write 3', 'VMOPS-OK seq=3');

  // The card says what this VM supports now, then a snapshot and a checkpoint by clicking.
  await page.goto(`/vms/${aId}`);
  const card = page.getByTestId('snapshots-card');
  await expect(card.locator('[data-capability="disk"]')).toHaveAttribute('data-ok', 'true');
  await expect(card.locator('[data-capability="memory"]')).toHaveAttribute('data-ok', 'true');
  await takePoint(page, 'snapshot', 'before-change');
  await takePoint(page, 'checkpoint', 'with-memory');
  await expect(row(page, 'with-memory')).toContainText(/paused \d+ m?s/);
  await expect(row(page, 'with-memory')).toHaveAttribute('data-depth', '1');
  await expect(here(page)).toHaveAttribute('data-depth', '2');
  await guestCommand(page.request, h1.id, aId, 'write 4', 'VMOPS-OK seq=7');

  // Disk snapshot revert: the running VM boots on the disk of then (3 records, not 7); a branch starts.
  await revertTo(page, a, 'before-change', /started again on that disk/);
  await expect(here(page)).toHaveAttribute('data-depth', '1');
  await expect(row(page, 'before-change').getByRole('button', { name: 'Delete before-change' })).toBeDisabled();
  await expect(
    row(page, 'before-change').getByRole('button', { name: 'Delete before-change' }),
  ).toHaveAccessibleDescription(/Branch point of 2 branches/);
  await guestSays(page.request, h1.id, aId, 'read', 'VMOPS-RECORDS first=1 last=3 count=3 gaps=0');

  // Checkpoint revert: the guest carries on from its memory of then, without booting (no
  // VMOPS-READY after the status line asked just before), its records those of then.
  await guestCommand(page.request, h1.id, aId, 'status', 'VMOPS-STATUS');
  await revertTo(page, a, 'with-memory', /carries on running from that instant/);
  await expect(here(page)).toHaveAttribute('data-depth', '2');
  await guestCommand(page.request, h1.id, aId, 'write 1', 'VMOPS-OK seq=4');
  const lines = ((await (await page.request.get(`/api/vms/${aId}/console?lines=400`)).json()) as { lines: string[] })
    .lines;
  const [asked, booted] = [
    lines.findLastIndex((l) => l.includes('VMOPS-STATUS')),
    lines.findLastIndex((l) => l.includes('VMOPS-READY')),
  ];
  expect(booted < asked || booted === -1, `no boot since the revert (console: ${lines.slice(-8).join(' | ')})`).toBe(
    true,
  );

  // A linked clone of the snapshot, started; the snapshot then names it and cannot be deleted.
  await row(page, 'before-change').getByRole('button', { name: 'Clone from before-change' }).click();
  let dialog = page.getByRole('dialog');
  await dialog.getByLabel('New VM name', { exact: true }).fill(clone);
  await checkA11y(page);
  await dialog.getByRole('button', { name: 'Create clone' }).click();
  await expect(dialog.getByTestId('task-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 240_000 });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(row(page, 'before-change').getByTestId('snapshot-clones')).toContainText(clone);
  const deleteParent = row(page, 'before-change').getByRole('button', { name: 'Delete before-change' });
  await expect(deleteParent).toBeDisabled();
  await expect(deleteParent).toHaveAccessibleDescription(new RegExp(`${clone} depends on it`));
  const cloneId = ((await (await page.request.get('/api/vms')).json()) as { id: string; name: string }[]).find(
    (v) => v.name === clone,
  )!.id;

  // The clone's page: the banner, and "Make independent" with its progress until it stands alone.
  await page.goto(`/vms/${cloneId}`);
  const banner = page.getByTestId('clone-banner');
  await expect(banner).toContainText(`at “before-change”`);
  await expect(page.getByTestId('vm-state')).toHaveText(/running/i, { timeout: 180_000 });
  await banner.getByRole('button', { name: 'Make independent' }).click();
  await expect(banner.getByTestId('task-progress')).toBeVisible();
  await expect(banner).toBeHidden({ timeout: 240_000 });

  // Stopped, the clone still offers a disk snapshot but no checkpoint, and says why.
  expect((await page.request.post(`/api/vms/${cloneId}/actions/force-stop`)).status()).toBe(202);
  await expect(page.getByTestId('vm-state')).toHaveText(/stopped/i, { timeout: 60_000 });
  const cloneCard = page.getByTestId('snapshots-card');
  await expect(cloneCard.locator('[data-capability="memory"]')).toContainText('the VM is off');
  await expect(cloneCard.getByRole('button', { name: 'Take checkpoint' })).toBeDisabled();
  await expect(cloneCard.getByRole('button', { name: 'Take checkpoint' })).toHaveAccessibleDescription(
    /needs a running VM/,
  );
  await expect(cloneCard.getByRole('button', { name: 'Take snapshot' })).toBeEnabled();
  await page.setViewportSize({ width: 1280, height: 3200 }); // the card below the sticky top bar, not under it
  await cloneCard.screenshot({ path: 'e2e/screenshots/vm-snapshots-stopped.png' });
  await page.setViewportSize({ width: 1280, height: 800 });

  // A group checkpoint of A (host 1) and B (host 2) with memory, chosen by hand.
  await ready(page.request, bId);
  await guestCommand(page.request, h2.id, bId, 'write 2', 'VMOPS-OK seq=2');
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Checkpoints', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Checkpoints', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'New group checkpoint' }).click();
  dialog = page.getByRole('dialog');
  const group = `grp-${suffix}`;
  await dialog.getByLabel('Name', { exact: true }).fill(group);
  await expect(dialog.getByRole('switch', { name: 'With memory' })).toHaveAttribute('aria-checked', 'true');
  for (const vm of [a, b]) await dialog.getByRole('checkbox', { name: vm, exact: true }).check();
  await expect(dialog.getByTestId('group-members-preview')).toContainText('2 VMs on 2 hosts');
  await viewShot(page, 'group-checkpoint-dialog');
  await dialog.getByRole('button', { name: 'Take group checkpoint' }).click();
  await expect(dialog.getByTestId('task-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 240_000 });
  await dialog.getByRole('button', { name: 'Done' }).click();
  const groupRow = page.getByRole('table', { name: 'Group checkpoints' }).getByRole('row').filter({ hasText: group });
  await expect(groupRow).toContainText(a);
  await expect(groupRow).toContainText(b);
  await expect(groupRow.getByTestId('group-pause')).toHaveText(/^\d+ m?s$/);

  // Both guests write on; the group's restore brings both back to the instant (memory included).
  await guestCommand(page.request, h1.id, aId, 'write 2', 'VMOPS-OK seq=6');
  await guestCommand(page.request, h2.id, bId, 'write 5', 'VMOPS-OK seq=7');
  await groupRow.getByRole('button', { name: `Restore ${group}` }).click();
  dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('resume at one instant');
  await checkA11y(page);
  await dialog.getByRole('button', { name: 'Restore 2 VMs' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Restore of group “${group}”: done` })).toBeVisible({
    timeout: 240_000,
  });
  await guestCommand(page.request, h1.id, aId, 'write 1', 'VMOPS-OK seq=5');
  await guestCommand(page.request, h2.id, bId, 'write 1', 'VMOPS-OK seq=3');

  // A snapshot schedule through its form (cron in words); the cluster chart counts today's points.
  await page.getByRole('button', { name: /^(Create a schedule|New schedule)$/ }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByLabel('Schedule name', { exact: true }).fill(`nightly-${suffix}`);
  await dialog.getByRole('checkbox', { name: a, exact: true }).check();
  await dialog.getByLabel('Cron expression', { exact: true }).fill('30 2 * * *');
  await dialog.getByLabel('Timezone', { exact: true }).selectOption('UTC');
  await dialog.getByLabel('Keep', { exact: true }).fill('5');
  await expect(dialog.getByTestId('schedule-words')).toContainText('02:30');
  await checkA11y(page);
  await dialog.getByRole('button', { name: 'Create schedule' }).click();
  await expect(dialog.getByTestId('schedule-saved')).toContainText(`nightly-${suffix}`);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('table', { name: 'Snapshot schedules' })).toContainText(`nightly-${suffix}`);
  await expect(page.getByTestId('chart-point-stats').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await page.mouse.move(0, 0); // no chart tooltip left open under the pointer in the picture
  await pageShot(page, 'checkpoints');

  // Back on A: the tree (with the group's point and the clone) and the timeline of every point.
  await page.goto(`/vms/${aId}`);
  await expect(row(page, group)).toContainText('Group');
  const timeline = page.getByTestId('timeline-card');
  await expect(timeline.getByTestId('timeline-dot')).toHaveCount(3);
  await expect(timeline.locator('[data-kind="group-checkpoint"]')).toHaveCount(1);
  await timeline.locator('[data-kind="checkpoint"]').click();
  await expect(timeline.getByTestId('timeline-selection')).toContainText('with-memory');
  await expect(timeline.getByRole('button', { name: 'Revert…' })).toBeEnabled();
  // A window tall enough for the whole page: a card scrolled into view could sit under the sticky top bar.
  await page.setViewportSize({ width: 1280, height: 3200 });
  await card.screenshot({ path: 'e2e/screenshots/vm-snapshots.png' });
  await timeline.screenshot({ path: 'e2e/screenshots/vm-timeline.png' });
  await checkA11y(page);
  await page.setViewportSize({ width: 1280, height: 800 });

  // Free the VMs' memory for the specs that follow (the clone first: it no longer depends on A).
  for (const id of [cloneId, aId, bId]) expect((await page.request.delete(`/api/vms/${id}`)).status()).toBe(202);
});
