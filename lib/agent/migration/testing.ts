// Two real agents (QEMU driver) on one machine with one shared directory, for the migration
// integration tests and benchmark: each agent has its own local pool, both see <shared>/pool and
// <shared>/images, as hosts of one cluster do. migrateVm() drives both ends the way the
// dashboard's worker does (prepare on the target, migrate on the source, poll, finish the target
// then the source; on failure abort the target, and resume the source if it had handed over).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentClient, waitForOperation, type AgentClient, type Operation } from '@/lib/agent-client';
import { startAgent, type RunningAgent } from '../agent';
import { parseAgentConfig } from '../config';
import { createMemoryLogger } from '../log';
import type { VmRuntime } from '../protocol';
import { startFakeDashboard, tempDir, waitFor } from '../testing';
import type { IncomingResponse, MigrateResult, MigrationDetail } from './protocol';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const GUEST = path.join(REPO, '.cache/guest');
const MiB = 1024 * 1024;

export type TestHost = { name: string; agent: RunningAgent; client: AgentClient; log: ReturnType<typeof createMemoryLogger>; localPool: string; sharedPool: string };

export async function startTwoHosts() {
  execFileSync('bash', [path.join(REPO, 'scripts/build-guest.sh')], { stdio: 'inherit', timeout: 600_000 });
  const dash = await startFakeDashboard();
  const shared = await tempDir('vmops-mig-shared-');
  const dirs = [shared];
  const hosts: TestHost[] = [];
  for (const name of ['m1', 'm2']) {
    const data = await tempDir(`vmops-mig-${name}-`);
    dirs.push(data);
    const config = parseAgentConfig(
      ['--name', name, '--port', '0', '--data', data.path, '--shared', shared.path, '--dashboard', dash.url, '--enroll-token', dash.token, '--driver', 'qemu', '--interval-ms', '2000'],
      {},
    );
    const log = createMemoryLogger(`vmops:agent:${name}`);
    const agent = await startAgent(config, { log });
    await agent.enrolled;
    const secret = dash.enrolled.find((h) => h.name === name)!.dashboardSecret;
    const client = createAgentClient({ baseUrl: `http://127.0.0.1:${agent.port}`, secret, hostName: name, timeoutMs: 120_000 });
    hosts.push({ name, agent, client, log, localPool: config.pools[0].path, sharedPool: config.pools[1].path });
  }
  return {
    hosts: hosts as [TestHost, TestHost],
    dash,
    async close() {
      for (const h of hosts) {
        for (const vm of await h.client.listVms().catch(() => [])) await h.client.deleteVm(vm.id).catch(() => {});
        await h.agent.close();
      }
      await dash.close();
      for (const d of dirs) await d.remove();
    },
  };
}

function guestBoot() {
  const manifest = JSON.parse(readFileSync(path.join(GUEST, 'manifest.json'), 'utf8')) as { append: string };
  return { kernelPath: path.join(GUEST, 'vmlinux'), initrdPath: path.join(GUEST, 'initrd.gz'), append: manifest.append };
}

export async function createGuest(h: TestHost, id: string, pool: 'local' | 'shared', memoryMiB = 128): Promise<VmRuntime> {
  const vm = await h.client.createVm({ id, name: id, vcpus: 1, memoryMiB, diskSizeBytes: 64 * MiB, pool, baseImagePath: path.join(GUEST, 'disk.qcow2'), boot: guestBoot() });
  await waitFor(`${id} ready`, async () => (await h.client.getVm(id)).guestReady, 180_000, 200);
  return vm;
}

// Sends a command to the guest and waits for a new console line matching `re` (the guest answers
// every command with one VMOPS- line).
export async function ask(h: TestHost, id: string, cmd: string, re: RegExp, timeoutMs = 60_000): Promise<string> {
  const matching = async () => (await h.client.console(id, 500)).lines.filter((l) => re.test(l));
  const before = (await matching()).length;
  await h.client.sendSerial(id, cmd);
  return waitFor(`"${cmd}" -> ${re}`, async () => {
    const now = await matching();
    return now.length > before && now.at(-1);
  }, timeoutMs, 100);
}

// guestPauseMs: source vCPUs stopped (STOP event) to target resumed (its log line): the pause
// the guest really had, which QEMU's downtime figure does not cover in storage mode.
export type MigrationRun = { result: MigrateResult; ops: Operation[]; details: MigrationDetail[]; wallMs: number; guestPauseMs: number | null };

function guestPauseMs(dst: TestHost, id: string, stoppedAt: string | null): number | null {
  const line = dst.log.lines.findLast((l) => l.includes(`VM ${id}: incoming migration complete; guest resumed`));
  return line && stoppedAt ? Date.parse(line.split(' ')[0]) - Date.parse(stoppedAt) : null;
}

// The dashboard worker's sequence. backingPath (storage mode): the image the target's disk sits
// on; null = a standalone copy. onPrepared: the target listens; beforeFinish: the source has
// handed over and keeps its paused copy (throwing there stands for a target that failed).
type MigrateOptions = {
  maxBandwidthBytes?: number;
  onOperation?: (op: Operation) => void;
  pool?: string;
  backingPath?: string | null;
  onPrepared?: (incoming: IncomingResponse) => Promise<void> | void;
  beforeFinish?: () => Promise<void> | void;
};

export async function migrateVm(src: TestHost, dst: TestHost, vm: VmRuntime, mode: 'shared' | 'storage', opts: MigrateOptions = {}): Promise<MigrationRun> {
  const t0 = Date.now();
  const incoming = await dst.client.prepareIncoming({
    vm: {
      id: vm.id, name: vm.name, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, pool: opts.pool ?? (mode === 'shared' ? 'shared' : 'local'), boot: guestBoot(),
      diskSizeBytes: 64 * MiB, diskPath: mode === 'shared' ? vm.diskPath : null, backingPath: mode === 'storage' ? (opts.backingPath === undefined ? path.join(GUEST, 'disk.qcow2') : opts.backingPath) : null,
    },
    mode,
  });
  const ops: Operation[] = [];
  let handedOver = false;
  try {
    await opts.onPrepared?.(incoming);
    const op = await src.client.migrateVm(vm.id, { migrationUri: incoming.migrationUri, nbd: incoming.nbd, mode, maxBandwidthBytes: opts.maxBandwidthBytes });
    const done = await waitForOperation(src.client, op.id, (o) => (ops.push(o), opts.onOperation?.(o)), { intervalMs: 100 });
    handedOver = true;
    await opts.beforeFinish?.();
    const result = done.result as MigrateResult;
    await dst.client.finishIncoming(vm.id, { guestReady: result.guestReady });
    await src.client.finishOutgoing(vm.id, { mode });
    const details = ops.map((o) => o.detail as MigrationDetail | null).filter((d): d is MigrationDetail => d !== null);
    return { result, ops, details, wallMs: Date.now() - t0, guestPauseMs: guestPauseMs(dst, vm.id, result.stoppedAt) };
  } catch (err) {
    await dst.client.abortIncoming(vm.id);
    if (handedOver) await src.client.resumeOutgoing(vm.id);
    throw err;
  }
}
