// Two real agents (QEMU driver) on one machine with one shared directory, for the migration
// integration tests and benchmark: each agent has its own local pool, both see <shared>/pool and
// <shared>/images, as hosts of one cluster do. migrateVm() drives both ends the way the
// dashboard's worker does (prepare on the target, migrate on the source, poll, finish the target
// then the source; on failure abort the target, and resume the source if it had handed over).
import { waitForOperation, type AgentClient, type Operation } from '@/lib/agent-client';
import { startAgent, type RunningAgent } from '@/lib/agent/agent';
import { parseAgentConfig } from '@/lib/agent/config';
import { createMemoryLogger } from '@/lib/agent/log';
import type { IncomingResponse, MigrateResult, MigrationDetail } from '@/lib/agent-protocol/migration';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { agentArgs, fakeEnrolledClient } from './agents';
import { startFakeDashboard } from './fake-dashboard';
import { buildGuest, GUEST_DISK, guestBoot, waitGuestReady } from './guest';
import { tempDir } from './temp-dir';

const MiB = 1024 * 1024;

export type TestHost = {
  name: string;
  agent: RunningAgent;
  client: AgentClient;
  log: ReturnType<typeof createMemoryLogger>;
  localPool: string;
  sharedPool: string;
};

export async function startTwoHosts() {
  buildGuest();
  const dash = await startFakeDashboard();
  const shared = await tempDir('vmops-mig-shared-');
  const dirs = [shared];
  const hosts: TestHost[] = [];
  for (const name of ['m1', 'm2']) {
    const data = await tempDir(`vmops-mig-${name}-`);
    dirs.push(data);
    const config = parseAgentConfig(
      agentArgs({
        name,
        data: data.path,
        shared: shared.path,
        dashboard: dash.url,
        token: dash.token,
        driver: 'qemu',
        intervalMs: 2000,
      }),
      {},
    );
    const log = createMemoryLogger(`vmops:agent:${name}`);
    const agent = await startAgent(config, { log });
    await agent.enrolled;
    const client = fakeEnrolledClient(dash, name, agent.port);
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

export async function createGuest(
  h: TestHost,
  id: string,
  pool: 'local' | 'shared',
  memoryMiB = 128,
): Promise<VmRuntime> {
  const vm = await h.client.createVm({
    id,
    name: id,
    vcpus: 1,
    memoryMiB,
    diskSizeBytes: 64 * MiB,
    pool,
    baseImagePath: GUEST_DISK,
    boot: guestBoot(),
  });
  await waitGuestReady(h.client, id);
  return vm;
}

// guestPauseMs: source vCPUs stopped (STOP event) to target resumed (its log line): the pause
// the guest really had, which QEMU's downtime figure does not cover in storage mode.
export type MigrationRun = {
  result: MigrateResult;
  ops: Operation[];
  details: MigrationDetail[];
  wallMs: number;
  guestPauseMs: number | null;
};

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

export async function migrateVm(
  src: TestHost,
  dst: TestHost,
  vm: VmRuntime,
  mode: 'shared' | 'storage',
  opts: MigrateOptions = {},
): Promise<MigrationRun> {
  const t0 = Date.now();
  const incoming = await dst.client.prepareIncoming({
    vm: {
      id: vm.id,
      name: vm.name,
      vcpus: vm.vcpus,
      memoryMiB: vm.memoryMiB,
      pool: opts.pool ?? (mode === 'shared' ? 'shared' : 'local'),
      boot: guestBoot(),
      diskSizeBytes: 64 * MiB,
      diskPath: mode === 'shared' ? vm.diskPath : null,
      backingPath: mode === 'storage' ? (opts.backingPath === undefined ? GUEST_DISK : opts.backingPath) : null,
    },
    mode,
  });
  const ops: Operation[] = [];
  let handedOver = false;
  try {
    await opts.onPrepared?.(incoming);
    const op = await src.client.migrateVm(vm.id, {
      migrationUri: incoming.migrationUri,
      nbd: incoming.nbd,
      mode,
      maxBandwidthBytes: opts.maxBandwidthBytes,
    });
    const done = await waitForOperation(src.client, op.id, (o) => (ops.push(o), opts.onOperation?.(o)), {
      intervalMs: 100,
    });
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
