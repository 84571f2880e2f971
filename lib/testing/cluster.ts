// A small real cluster for dashboard integration tests: the mini-dashboard over the test
// database, N real agents (QEMU driver, in this process, each with its own local pool and one
// shared directory, enrolled with real tokens) and the real worker runner, which can be paused
// (e.g. to adjust a queued VM row before it is provisioned). With the simulated driver (benches of
// the control plane: no QEMU, no VM is real) a blank disk stands in for the test guest.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import path from 'node:path';
import { createAgentClient } from '@/lib/agent-client';
import { startAgent } from '@/lib/agent/agent';
import { parseAgentConfig } from '@/lib/agent/config';
import { createMemoryLogger } from '@/lib/agent/log';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { dashboardSecretFor } from '@/lib/domain/hosts/credentials';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { getHost } from '@/lib/domain/hosts/queries';
import { enqueueImageImport } from '@/lib/domain/images/service';
import { TEST_GUEST_MIN_MEMORY_MIB } from '@/lib/domain/images/test-guest';
import { waitFor } from '@/lib/wait-for';
import { freePort } from '@/lib/net/free-port';
import { agentArgs } from './agents';
import { seedUsers } from './fixtures';
import { GUEST_DIR, guestImageFiles } from './guest';
import { startMiniDashboard } from './mini-dashboard';
import { writeSimulatedImage } from '@/scripts/stack/simulated-image';
import { settled, startTestWorker } from './tasks';
import { tempDir } from './temp-dir';
import { startDashboardProcess } from './control-plane';
import { createTestDb } from './test-db';
import type { TestHost } from './two-hosts';

export type ClusterHost = TestHost & { hostId: string; dashboardUrl: string };

// The row of a host enrolled through the mini-dashboard once its agent can be called: the row can
// be read before the enrollment stored the sealed secret, and a call then fails with no secret.
export const enrolledHost = (name: string, timeoutMs = 60_000) =>
  waitFor(
    `${name} to enroll`,
    () => db().host.findFirst({ where: { name, dashboardSecretBox: { not: null } } }),
    timeoutMs,
    250,
  );

// The test guest (or the simulated driver's blank disk in simulatedDir), imported into the shared
// image repository through the real import task (a worker must be running).
export async function importTestGuest(simulatedDir?: string): Promise<string> {
  const files = simulatedDir ? { disk: path.join(simulatedDir, 'disk.raw') } : guestImageFiles();
  const r = await enqueueImageImport(SYSTEM_ACTOR, {
    name: 'tiny-linux',
    version: '1.0',
    description: '',
    hostId: 'auto',
    ...files,
    minMemoryMiB: TEST_GUEST_MIN_MEMORY_MIB,
  });
  const t = await settled(r.taskId);
  if (t.state !== 'succeeded') throw new Error(`guest import failed: ${t.error?.message}`);
  return r.imageId;
}

// secondDashboard: every other host reports to a second dashboard, a process of its own.
export type ClusterOptions = { workerConcurrency?: number; secondDashboard?: boolean; driver?: 'qemu' | 'simulated' };

export async function startCluster(names: string[], opts: ClusterOptions = {}) {
  const driver = opts.driver ?? 'qemu';
  if (driver === 'qemu' && !existsSync(path.join(GUEST_DIR, 'vmlinux')))
    throw new Error('test guest missing: run scripts/build-guest.sh');
  const dashboard = await startMiniDashboard();
  const second = opts.secondDashboard ? await startDashboardProcess('dashboard-2') : null;
  const shared = await tempDir('vmops-cluster-shared-');
  const dirs = [shared];
  const simulated = driver === 'simulated' ? await tempDir('vmops-cluster-sim-image-') : null;
  if (simulated) {
    dirs.push(simulated);
    writeSimulatedImage(simulated.path);
  }
  const imageDir = simulated?.path ?? GUEST_DIR;
  const hosts: ClusterHost[] = [];
  // `name@site`: an agent of another site (disaster recovery), with a shared dir of its own.
  for (const [name, site = 'main'] of names.map((n) => n.split('@'))) {
    const data = await tempDir(`vmops-cluster-${name}-`);
    dirs.push(data);
    const siteShared = site === 'main' ? shared : await tempDir(`vmops-cluster-${site}-shared-`);
    if (siteShared !== shared) dirs.push(siteShared);
    const token = await createEnrollmentToken(name);
    const dashboardUrl = second && hosts.length % 2 === 1 ? second.url : dashboard.url;
    const args = agentArgs({
      name,
      port: await freePort(),
      data: data.path,
      shared: siteShared.path,
      dashboard: dashboardUrl,
      token,
      driver,
      intervalMs: 1000,
      importDirs: [imageDir],
      extra: site === 'main' ? [] : ['--site', site],
    });
    const config = parseAgentConfig(args, {});
    const log = createMemoryLogger(`vmops:agent:${name}`);
    const agent = await startAgent(config, { log });
    const { hostId } = await agent.enrolled;
    await waitFor(`${name} online`, async () => (await getHost(hostId)).status === 'online', 30_000, 200);
    const row = await db().host.findUniqueOrThrow({ where: { id: hostId } });
    const client = createAgentClient({
      baseUrl: row.agentUrl,
      secret: await dashboardSecretFor(row),
      hostName: name,
      timeoutMs: 120_000,
    });
    hosts.push({
      name,
      hostId,
      dashboardUrl,
      agent,
      client,
      log,
      localPool: config.pools[0].path,
      sharedPool: config.pools[1].path,
    });
  }

  const startWorker = () => startTestWorker(opts.workerConcurrency ?? 3, 'cluster-worker');
  let worker = startWorker();
  const pauseWorker = () => worker.stop();
  const resumeWorker = () => {
    worker = startWorker();
  };

  return {
    hosts,
    dashboard,
    secondDashboard: second,
    sharedDir: shared.path,
    pauseWorker,
    resumeWorker,
    importGuest: () => importTestGuest(simulated?.path),
    logs: () => hosts.map((h) => `--- agent ${h.name} ---\n${h.log.lines.slice(-40).join('\n')}`).join('\n'),
    async close() {
      await pauseWorker();
      for (const h of hosts) {
        for (const vm of await h.client.listVms().catch(() => [])) await h.client.deleteVm(vm.id).catch(() => {});
        await h.agent.close();
      }
      await dashboard.close();
      second?.kill();
      for (const d of dirs) await d.remove();
    },
  };
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

// One test file's cluster: a fresh database, seeded users, the hosts and the imported guest,
// the agents' last log lines printed when a test fails, and everything removed afterwards.
export function useCluster(
  names: string[],
  opts: { afterAll?: () => void; cluster?: ClusterOptions } = {},
): { cluster: Cluster; host: Record<string, ClusterHost>; imageId: string } {
  const testDb = createTestDb();
  const ctx = {} as { cluster: Cluster; host: Record<string, ClusterHost>; imageId: string };
  beforeAll(async () => {
    await seedUsers();
    ctx.cluster = await startCluster(names, opts.cluster);
    ctx.host = Object.fromEntries(ctx.cluster.hosts.map((h) => [h.name, h]));
    ctx.imageId = await ctx.cluster.importGuest();
  }, 600_000);
  afterEach((t) => {
    if (t.task.result?.state === 'fail') console.log(ctx.cluster.logs());
  });
  afterAll(async () => {
    opts.afterAll?.();
    await ctx.cluster?.close();
    testDb.cleanup();
  });
  return ctx;
}
