import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type APIRequestContext } from '@playwright/test';
import { killQemuUnder } from '../scripts/stack/processes';
import { E2E_DATA, E2E_URL } from '../playwright.config';
import { pollApi } from './support';

type Host = { id: string; name: string; status: string; site: string };

// An agent of a second site, for the DR spec only: the shared stack keeps its two hosts in site
// main, because placement, HA restarts, the balancer and migrations do not look at sites yet and
// would send the other specs' VMs to it. Same layout as `start.ts --agents name:port@site`: its
// own data dir and a shared dir of its site's own (two sites share nothing).
export async function startSiteAgent(
  request: APIRequestContext,
  name: string,
  port: number,
  site: string,
): Promise<{ host: Host; stop: () => Promise<void> }> {
  const root = path.resolve(import.meta.dirname, '..');
  const data = path.resolve(root, E2E_DATA);
  const res = await request.post('/api/hosts/enrollment-tokens', { data: { hostName: name } });
  expect(res.status()).toBe(201);
  const { token } = (await res.json()) as { token: string };
  mkdirSync(path.join(data, 'logs'), { recursive: true });
  const log = createWriteStream(path.join(data, 'logs', `${name}.log`), { flags: 'a' });
  const args = [
    '--conditions=react-server',
    '--import',
    'tsx',
    path.join(root, 'lib/agent/main.ts'),
    ...['--name', name, '--port', String(port), '--site', site, '--driver', 'qemu'],
    ...['--data', path.join(data, 'hosts', name), '--shared', path.join(data, 'sites', site, 'shared')],
    ...['--dashboard', E2E_URL, '--enroll-token', token],
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // QEMU outlives its agent by design: this site's VMs go with the test.
    killQemuUnder(path.join(data, 'hosts', name));
    killQemuUnder(path.join(data, 'sites', site));
  };
  try {
    const host = await pollApi(
      request,
      '/api/hosts',
      (b) => (b as Host[]).find((h) => h.name === name && h.status === 'online' && h.site === site),
      120_000,
    );
    return { host, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
