// Helpers of the restore integration test and benchmark: an in-process agent on the real QEMU
// driver, backups taken from a running VM over its own QMP session (full, then incremental from
// a persistent dirty bitmap, as qemu-recipes.md verified), and the guest's record check.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createAgentClient, type AgentClient } from '@/lib/agent-client';
import { waitFor } from '@/lib/wait-for';
import { startAgent } from '../agent';
import { parseAgentConfig } from '../config';
import type { Driver, VmSpec } from '../driver/types';
import { createMemoryLogger } from '../log';
import { DISK_NODE } from '../qemu/args';
import { requireQemu } from '../qemu/context';
import { createQemuDriver } from '../qemu/index';
import { startFakeDashboard, tempDir } from '../testing';
import { freePort } from '@/lib/net/free-port';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const GUEST = path.join(REPO, '.cache/guest');

export function guestBoot(): VmSpec['boot'] {
  const manifest = JSON.parse(readFileSync(path.join(GUEST, 'manifest.json'), 'utf8')) as { append: string };
  return { kernelPath: path.join(GUEST, 'vmlinux'), initrdPath: path.join(GUEST, 'initrd.gz'), append: manifest.append };
}

export type QemuTestAgent = Awaited<ReturnType<typeof startQemuTestAgent>>;

// With `dashboard` (a real dashboard's URL and an enrollment token) the agent enrolls there, e.g.
// lib/testing/mini-dashboard.ts; otherwise against a fake one. The client is only built for the
// fake dashboard (the real one keeps the secret itself).
export async function startQemuTestAgent(name = 'r1', dashboard?: { url: string; token: string }) {
  const fake = dashboard ? null : await startFakeDashboard();
  const dash = dashboard ?? { url: fake!.url, token: fake!.token };
  const data = await tempDir('vmops-restore-data-');
  const shared = await tempDir('vmops-restore-shared-');
  const config = parseAgentConfig(['--name', name, '--port', String(await freePort()), '--data', data.path, '--shared', shared.path, '--dashboard', dash.url, '--enroll-token', dash.token, '--interval-ms', '1000', '--import-dir', GUEST], {});
  const log = createMemoryLogger(`vmops:agent:${name}`);
  const driver: Driver = await createQemuDriver({ pools: config.pools, log });
  const agent = await startAgent(config, { driver, log });
  await agent.enrolled;
  const secret = fake?.enrolled.find((h) => h.name === name)!.dashboardSecret ?? '';
  const client: AgentClient = createAgentClient({ baseUrl: `http://127.0.0.1:${agent.port}`, secret, hostName: name, timeoutMs: 120_000 });
  return {
    client,
    driver,
    log,
    pool: config.pools[0],
    shared: shared.path,
    async stop() {
      for (const vm of await driver.listVms().catch(() => [])) if (vm.state === 'running' || vm.state === 'paused') await driver.killVm(vm.id).catch(() => {});
      await agent.close();
      await fake?.close();
      await data.remove();
      await shared.remove();
    },
  };
}

// A real port, not 0: the agent URL the dashboard stores is built from it before listening.

type QmpJob = { id: string; status: string; error?: string };

// Backup of a running VM into `target`: full (and a persistent bitmap started in the same
// transaction), or incremental from that bitmap on top of `parent`. Test scaffolding only: the
// product's backups are lib/agent/backup (engineer A1).
export async function backupRunningVm(driver: Driver, id: string, target: string, parent: string | null): Promise<void> {
  const q = requireQemu(driver, 'test backup');
  const s = await q.vms.expectSession(id, ['running']);
  const size = (await driver.diskInfo((await q.vms.must(id)).diskPath)).virtualSizeBytes;
  const args = ['create', '-q', '-f', 'qcow2', ...(parent ? ['-b', parent, '-F', 'qcow2'] : []), target, String(size)];
  execFileSync(q.qemuImg, args);
  const node = `bk-${path.basename(target, '.qcow2')}`.replace(/[^A-Za-z0-9-]/g, '-');
  await s.execute('blockdev-add', { driver: 'qcow2', 'node-name': node, file: { driver: 'file', filename: target } });
  const jobId = `job-${node}`;
  const backup = { 'job-id': jobId, device: DISK_NODE, target: node, 'auto-dismiss': false };
  const actions = parent
    ? [{ type: 'blockdev-backup', data: { ...backup, sync: 'incremental', bitmap: 'bm0' } }]
    : [
        { type: 'block-dirty-bitmap-add', data: { node: DISK_NODE, name: 'bm0', persistent: true } },
        { type: 'blockdev-backup', data: { ...backup, sync: 'full' } },
      ];
  await s.execute('transaction', { actions });
  const job = await waitFor(`backup ${jobId}`, async () => (await s.execute<QmpJob[]>('query-jobs')).find((j) => j.id === jobId && j.status === 'concluded'), 60_000, 50);
  await s.execute('job-dismiss', { id: jobId });
  await s.execute('blockdev-del', { 'node-name': node });
  if (job.error) throw new Error(`backup failed: ${job.error}`);
}

// Sends a guest command and waits for its answer on the console (only lines after the send).
export async function guestSays(client: AgentClient, id: string, line: string, answer: RegExp, timeoutMs = 60_000): Promise<string> {
  const before = (await client.console(id, 2000)).lines.length;
  await client.sendSerial(id, line);
  return waitFor(`"${line}" on ${id}`, async () => (await client.console(id, 2000)).lines.slice(before).find((l) => answer.test(l)), timeoutMs, 200);
}

export const waitGuestReady = (client: AgentClient, id: string) => waitFor(`${id} guest ready`, async () => (await client.getVm(id)).guestReady, 120_000, 200);

export async function records(client: AgentClient, id: string): Promise<string> {
  return guestSays(client, id, 'read', /^VMOPS-RECORDS /);
}
