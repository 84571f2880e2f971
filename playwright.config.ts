import { defineConfig } from '@playwright/test';

// The browser tests run against the built app and a real stack (worker + two agents on real
// QEMU) in a throwaway data dir, on ports apart from `npm start`'s.
export const E2E_PORT = 3100;
export const E2E_URL = `http://127.0.0.1:${E2E_PORT}`;
export const E2E_DATA = '.cache/e2e-data';
export const E2E_ADMIN_PASSWORD = 'e2e-admin-password';

export default defineConfig({
  testDir: 'e2e',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: E2E_URL,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'setup', testMatch: /auth\.setup\.ts/ },
    { name: 'chromium', dependencies: ['setup'], testMatch: /.*\.spec\.ts/ },
  ],
  webServer: {
    command: `node_modules/.bin/tsx scripts/stack/start.ts --port ${E2E_PORT} --data ${E2E_DATA} --agents e2e-h1:7201,e2e-h2:7202 --driver qemu --fresh --quiet`,
    url: `${E2E_URL}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    // SIGTERM, not Playwright's default SIGKILL of the process group: the stack then stops its
    // VMs (their QEMU processes run in sessions of their own, so a group kill never reaches them).
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    stdout: 'pipe',
    env: { VMOPS_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD },
  },
});
