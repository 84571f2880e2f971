import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import { E2E_DATA } from '../playwright.config';

// Every spec's `page`: goto() returns once React has hydrated the page (see app/providers.tsx),
// so a click that follows it reaches a live handler, and the page has passed checkA11y().
// The page a test ends on is checked too.
export const test = base.extend({
  page: async ({ page }, use) => {
    const goto = page.goto.bind(page);
    page.goto = async (url, options) => {
      const res = await goto(url, options);
      await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
      await checkA11y(page);
      return res;
    };
    await use(page);
    if (!page.isClosed()) await checkA11y(page);
  },
});
export { expect };

// WCAG 2.0-2.2 A/AA, plus the (experimental in axe) rule that a control's name contains its visible label.
const A11Y_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// Injected on every check: the minified build parses in half the time of the default one.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page as it is now (an open dialog included). A soft assertion: the test goes
 * on, so one run lists every violation; each one reads "rule (impact): help — selector: fix".
 */
export async function checkA11y(page: Page): Promise<void> {
  // Colours are measured as painted: a button still fading in (a CSS transition) read as 4.3:1
  // instead of its 4.8:1. Finite animations end first (spinners run for ever: not waited for).
  await page.evaluate(() =>
    Promise.race([
      Promise.all(
        document
          .getAnimations()
          .filter((a) => a.effect?.getTiming().iterations !== Infinity)
          .map((a) => a.finished.catch(() => null)),
      ),
      new Promise((r) => setTimeout(r, 2_000)),
    ]),
  );
  const { violations } = await new AxeBuilder({ page, axeSource: AXE_SOURCE })
    .options({
      runOnly: { type: 'tag', values: A11Y_TAGS },
      rules: { 'label-content-name-mismatch': { enabled: true } },
      resultTypes: ['violations'], // passes are not collected in full: a faster run
    })
    .analyze();
  const found = violations.flatMap((v) =>
    v.nodes.map(
      (n) =>
        `${v.id} (${v.impact}): ${v.help} — ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ').trim()}`,
    ),
  );
  expect.soft(found, `axe-core violations on ${page.url()}`).toEqual([]);
}

export const ADMIN_STATE = 'test-results/.auth/admin.json';
export const VIEWER_STATE = 'test-results/.auth/viewer.json';
export const VIEWER = { username: 'vera', password: 'viewer-password-1' };

// A state worth a picture is worth an accessibility check (after it: the picture shows the moment).
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });
  await checkA11y(page);
}

// Runs a project CLI script against the e2e stack's database.
export function cli(script: string, args: string[]): string {
  const root = path.resolve(import.meta.dirname, '..');
  return execFileSync(
    path.join(root, 'node_modules/.bin/tsx'),
    ['--conditions=react-server', path.join(root, script), ...args],
    {
      env: { ...process.env, DATABASE_URL: `file:${path.join(root, E2E_DATA, 'vmops.db')}` },
      encoding: 'utf8',
    },
  );
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

// Polls a JSON API until pick() returns something truthy; a failed request is one more poll.
// The stack's own hosts (site main), by name. The DR spec adds a host of site dr (offline after
// it), which the flows that pick "two hosts" must not take.
export async function mainSiteHosts<H extends { name: string; site: string }>(
  request: APIRequestContext,
): Promise<H[]> {
  const all = (await (await request.get('/api/hosts')).json()) as H[];
  return all.filter((h) => h.site === 'main').sort((a, b) => a.name.localeCompare(b.name));
}

export async function pollApi<T>(
  request: APIRequestContext,
  url: string,
  pick: (body: unknown) => T | undefined | null | false,
  timeoutMs = 180_000,
): Promise<T> {
  let found: T | undefined | null | false;
  await expect
    .poll(
      async () => {
        const res = await request.get(url).catch(() => null);
        found = res?.ok() ? pick(await res.json()) : undefined;
        return !!found;
      },
      { timeout: timeoutMs, intervals: [1000] },
    )
    .toBe(true);
  return found as T;
}
