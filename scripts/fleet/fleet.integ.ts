// The fleet simulator against the mini-dashboard (the real enrollment and heartbeat services over
// a test database) and the real worker: 3 simulated hosts enroll, their 20 VMs are listed, their
// heartbeats stored, and a stop and a start asked of the dashboard reach the simulated agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '@/lib/agent/log';
import { db } from '@/lib/db/client';
import { listHosts } from '@/lib/domain/hosts/queries';
import { listVms } from '@/lib/domain/vms/queries';
import { listVmsQuerySchema } from '@/lib/domain/vms/schemas';
import { runVmAction } from '@/lib/domain/vms/service';
import { admin, seedUsers } from '@/lib/testing/fixtures';
import { startMiniDashboard } from '@/lib/testing/mini-dashboard';
import { succeeded, startTestWorker } from '@/lib/testing/tasks';
import { tempDir } from '@/lib/testing/temp-dir';
import { createTestDb } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';
import { startFleet, type Fleet } from './fleet';

describe('fleet simulator', () => {
  let cleanup: () => Promise<void>;
  let fleet: Fleet;

  beforeAll(async () => {
    const testDb = createTestDb();
    await seedUsers();
    const dashboard = await startMiniDashboard();
    const data = await tempDir('vmops-fleet-');
    const worker = startTestWorker();
    fleet = startFleet({
      url: dashboard.url,
      hosts: 3,
      vms: 20,
      sites: ['main', 'dr'],
      intervalMs: 1000,
      portBase: 0,
      dataDir: data.path,
      concurrency: 2,
      log: createMemoryLogger('fleet'),
      hostLog: (name) => createMemoryLogger(name),
    });
    cleanup = async () => {
      await fleet.close();
      await worker.stop();
      await dashboard.close();
      await db().$disconnect();
      await data.remove();
      testDb.cleanup();
    };
    await fleet.started;
  });
  afterAll(() => cleanup?.());

  it('enrolls every host through the enrollment flow, labelled simulated, on its site', async () => {
    const hosts = await listHosts();
    expect(hosts.map((h) => [h.name, h.driver, h.site])).toEqual([
      ['sim-00001', 'simulated', 'main'],
      ['sim-00002', 'simulated', 'dr'],
      ['sim-00003', 'simulated', 'main'],
    ]);
    expect(await db().auditEvent.count({ where: { action: 'host.enroll', result: 'succeeded' } })).toBe(3);
  });

  it('shows the 20 VMs the agents run, spread evenly', async () => {
    const page = await listVms(listVmsQuerySchema.parse({}));
    expect(page.items).toHaveLength(20);
    const perHost = new Map<string, number>();
    for (const v of page.items) perHost.set(v.hostName, (perHost.get(v.hostName) ?? 0) + 1);
    expect(Object.fromEntries(perHost)).toEqual({ 'sim-00001': 7, 'sim-00002': 7, 'sim-00003': 6 });
    expect(page.items.every((v) => v.state === 'running')).toBe(true);
  });

  it('stores heartbeats with a sample per VM', async () => {
    await waitFor(
      'a sample of every VM',
      async () => (await db().metricSample.groupBy({ by: ['vmId'], where: { vmId: { not: null } } })).length === 20,
      30_000,
      250,
    );
    const online = await db().host.count({
      where: { status: 'online', lastHeartbeat: { gt: new Date(Date.now() - 5000) } },
    });
    expect(online).toBe(3);
  });

  it('runs a stop and a start from the dashboard on the simulated agent', async () => {
    const host = fleet.hosts.find((h) => h.name === 'sim-00002')!;
    const vmId = 'sim-00002-v0003';
    await succeeded((await runVmAction(admin, vmId, 'stop')).taskId, 60_000);
    expect((await host.driver.getVm(vmId))?.state).toBe('shutoff');
    await waitFor(
      'the stopped state in a heartbeat',
      async () => (await db().vm.findUnique({ where: { id: vmId } }))?.state === 'stopped',
      10_000,
      200,
    );
    await succeeded((await runVmAction(admin, vmId, 'start')).taskId, 60_000);
    expect((await host.driver.getVm(vmId))?.state).toBe('running');
  });
});
