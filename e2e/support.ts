import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import { E2E_DATA } from '../playwright.config';

// Every spec's `page`: goto() returns once React has hydrated the page (see app/providers.tsx),
// so a click that follows it reaches a live handler.
export const test = base.extend({
  page: async ({ page }, use) => {
    const goto = page.goto.bind(page);
    page.goto = async (url, options) => {
      const res = await goto(url, options);
      await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
      return res;
    };
    await use(page);
  },
});
export { expect };

export const ADMIN_STATE = 'test-results/.auth/admin.json';
export const VIEWER_STATE = 'test-results/.auth/viewer.json';
export const VIEWER = { username: 'vera', password: 'viewer-password-1' };

export const shot = (page: Page, name: string) => page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });

// Runs a project CLI script against the e2e stack's database.
export function cli(script: string, args: string[]): string {
  const root = path.resolve(import.meta.dirname, '..');
  return execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['--conditions=react-server', path.join(root, script), ...args], {
    env: { ...process.env, DATABASE_URL: `file:${path.join(root, E2E_DATA, 'vmops.db')}` },
    encoding: 'utf8',
  });
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

// Polls a JSON API until pick() returns something truthy; a failed request is one more poll.
export async function pollApi<T>(request: APIRequestContext, url: string, pick: (body: unknown) => T | undefined | null | false, timeoutMs = 180_000): Promise<T> {
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
