import { readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialsFile, loadOrEnroll, type EnrollOptions } from './enroll';
import { startFakeDashboard } from '@/lib/testing/fake-dashboard';
import { tempDir } from '@/lib/testing/temp-dir';

const info = async () => ({
  hostName: 'h1',
  site: 'main',
  agentVersion: '0.1.0',
  driver: 'simulated' as const,
  qemuVersion: null,
  accelerator: 'none' as const,
  acceleratorReason: 'simulated',
  cpuCount: 2,
  cpuModel: 'x',
  memoryTotalBytes: 1,
  kernel: 'Linux',
  pools: [],
});

let data: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => (data = await tempDir()));
afterEach(() => data.remove());

const opts = (over: Partial<EnrollOptions>): EnrollOptions => ({
  dataDir: data.path,
  dashboard: 'http://127.0.0.1:9',
  token: 'test-enroll-token-0123456789',
  name: 'h1',
  agentUrl: 'http://127.0.0.1:7101',
  info,
  log: () => {},
  initialDelayMs: 20,
  maxDelayMs: 50,
  ...over,
});

describe('enrollment', () => {
  it('uses saved credentials without calling the dashboard', async () => {
    const saved = { hostId: 'h-1', agentToken: 't', dashboardSecret: 's' };
    await writeFile(
      credentialsFile(data.path),
      JSON.stringify({ ...saved, dashboard: 'http://127.0.0.1:9', enrolledAt: new Date().toISOString() }),
    );
    expect(await loadOrEnroll(opts({ token: undefined }))).toEqual(saved);
  });

  it('reads an agent.json from before the two credentials: its one secret serves both ways', async () => {
    await writeFile(
      credentialsFile(data.path),
      JSON.stringify({ hostId: 'h-1', secret: 's', dashboard: 'http://127.0.0.1:9' }),
    );
    expect(await loadOrEnroll(opts({ token: undefined }))).toEqual({
      hostId: 'h-1',
      agentToken: 's',
      dashboardSecret: 's',
    });
  });

  it('refuses an agent.json without credentials', async () => {
    await writeFile(credentialsFile(data.path), JSON.stringify({ hostId: 'h-1', agentToken: 't' }));
    await expect(loadOrEnroll(opts({ token: undefined }))).rejects.toThrow(/lacks hostId\/agentToken\/dashboardSecret/);
  });

  it('fails clearly with neither credentials nor a token', async () => {
    await expect(loadOrEnroll(opts({ token: undefined }))).rejects.toThrow(/not enrolled.*--enroll-token/);
  });

  it('retries while the dashboard is down, then saves both credentials with mode 0600', async () => {
    // Reserve a port, start the dashboard on it only after a few failed attempts.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const lines: string[] = [];
    const pending = loadOrEnroll(opts({ dashboard: `http://127.0.0.1:${port}`, log: (l) => lines.push(l) }));
    await new Promise((r) => setTimeout(r, 150));
    const dash = await startFakeDashboard(undefined, port);
    try {
      const creds = await pending;
      expect(creds.hostId).toBe('host-h1');
      expect(lines.some((l) => /attempt 1 failed/.test(l))).toBe(true);
      expect((await stat(credentialsFile(data.path))).mode & 0o777).toBe(0o600);
      expect(dash.enrolled[0]).toMatchObject({ name: 'h1', agentUrl: 'http://127.0.0.1:7101' });
      const { agentToken, dashboardSecret } = dash.enrolled[0];
      expect(JSON.parse(await readFile(credentialsFile(data.path), 'utf8'))).toMatchObject({
        hostId: 'host-h1',
        agentToken,
        dashboardSecret,
      });
      expect(creds).toEqual({ hostId: 'host-h1', agentToken, dashboardSecret });
    } finally {
      await dash.close();
    }
  });

  it('fails at once when the dashboard refuses the token', async () => {
    const dash = await startFakeDashboard();
    try {
      await expect(loadOrEnroll(opts({ dashboard: dash.url, token: 'wrong-token-0123456789' }))).rejects.toThrow(
        /refused enrollment \(HTTP 401\): UNAUTHENTICATED/,
      );
    } finally {
      await dash.close();
    }
  });
});
