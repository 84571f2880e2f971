import { E2E_ADMIN_PASSWORD } from '../playwright.config';
import { ADMIN_STATE, VIEWER, VIEWER_STATE, cli, pollApi, signIn, test as setup } from './support';

setup('sign in as admin and viewer once the stack is ready', async ({ page, browser }) => {
  await signIn(page, 'admin', E2E_ADMIN_PASSWORD);
  // Both agents enrolled and reporting, and the seeded test-guest image imported.
  await pollApi(
    page.request,
    '/api/hosts',
    (b) => (b as { status: string }[]).filter((h) => h.status === 'online').length === 2,
  );
  await pollApi(page.request, '/api/images', (b) =>
    (b as { name: string; status: string }[]).some((i) => i.name === 'tiny-linux' && i.status === 'ready'),
  );
  await page.context().storageState({ path: ADMIN_STATE });

  cli('scripts/user.ts', ['create', VIEWER.username, 'viewer', VIEWER.password]);
  const viewer = await browser.newPage();
  await signIn(viewer, VIEWER.username, VIEWER.password);
  await viewer.context().storageState({ path: VIEWER_STATE });
});
