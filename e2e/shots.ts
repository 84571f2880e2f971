import type { Page } from '@playwright/test';
import { checkA11y, shot } from './support';

/** Modal dialogs cover the viewport only: a full-page shot would show the page below undimmed. */
export async function viewShot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e/screenshots/${name}.png` });
  await checkA11y(page);
}

/** A full-page shot from the top (a scrolled page draws its sticky bars mid-image), without toasts over the content. */
export async function pageShot(page: Page, name: string): Promise<void> {
  // A toast may close by itself between finding and clicking it: never wait long for one.
  for (const close of await page.getByRole('button', { name: 'Dismiss notification' }).all())
    await close.click({ timeout: 1_000 }).catch(() => undefined);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, name);
}
