// Real agent process + real QEMU + the real services and worker handlers over a test database:
// import the test guest, provision from it, operate it, and check that a failed provision
// leaves nothing behind.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { spawnAgent, type AgentProcess } from '@/lib/testing/agents';
import { enrolledHost } from '@/lib/testing/cluster';
import { GUEST_DIR, GUEST_DISK, guestImageFiles } from '@/lib/testing/guest';
import { settled, startTestWorker } from '@/lib/testing/tasks';
import { createTestDb } from '@/lib/testing/test-db';
import { admin, seedUsers } from '@/lib/testing/fixtures';
import { startMiniDashboard } from '@/lib/testing/mini-dashboard';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { enqueueImageImport } from '@/lib/domain/images/service';
import { getHost } from '@/lib/domain/hosts/queries';
import { createVm, deleteVm, readVmConsole, runVmAction } from '@/lib/domain/vms/service';
import { waitFor } from '@/lib/wait-for';

const testDb = createTestDb();
const tmp = mkdtempSync(path.join(tmpdir(), 'vmops-provision-'));
let dashboard: Awaited<ReturnType<typeof startMiniDashboard>>;
let agent: AgentProcess;
let agentToken: string;
let worker: ReturnType<typeof startTestWorker>;

// Its own process: the test kills it. A fixed port: the restarted agent must answer at the URL it enrolled with.
const startAgent = () =>
  spawnAgent(
    {
      name: 'p1',
      port: 7191,
      data: path.join(tmp, 'p1'),
      shared: path.join(tmp, 'shared'),
      dashboard: dashboard.url,
      token: agentToken,
      driver: 'qemu',
      intervalMs: 1000,
      importDirs: [GUEST_DIR, tmp],
    },
    { echo: true },
  );

beforeAll(async () => {
  expect(existsSync(path.join(GUEST_DIR, 'vmlinux')), 'test guest missing: run scripts/build-guest.sh').toBe(true);
  await seedUsers();
  dashboard = await startMiniDashboard();
  agentToken = await createEnrollmentToken('p1');
  agent = startAgent();
  await enrolledHost('p1');
  worker = startTestWorker(2);
});

afterAll(async () => {
  await worker?.stop();
  agent?.child.kill('SIGTERM');
  await dashboard?.close();
  rmSync(tmp, { recursive: true, force: true });
  testDb.cleanup();
});

describe('provisioning on real QEMU', () => {
  let imageId: string;

  it('imports the test guest into the shared repository with its SHA-256', async () => {
    const r = await enqueueImageImport(SYSTEM_ACTOR, {
      name: 'tiny-linux',
      version: '1.0',
      description: '',
      hostId: 'auto',
      ...guestImageFiles(),
    });
    expect(await settled(r.taskId)).toMatchObject({ state: 'succeeded' });
    const image = await db().image.findUniqueOrThrow({ where: { id: r.imageId } });
    expect(image.status).toBe('ready');
    expect(image.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect(image.diskPath.startsWith(path.join(tmp, 'shared'))).toBe(true);
    imageId = image.id;
  });

  it('creates a VM that boots, reports metrics, stops, starts and is deleted with its disk', async () => {
    const t0 = Date.now();
    const { taskId, vmId } = await createVm(admin, {
      name: 'integ-vm',
      imageId,
      hostId: 'auto',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeGiB: 1,
      haEnabled: false,
      tags: [],
    });
    const task = await settled(taskId);
    expect(task.state, task.error?.message).toBe('succeeded');
    console.log(`create -> guest ready: ${Date.now() - t0} ms; ${JSON.stringify(task.result)}`);
    const vm = await db().vm.findUniqueOrThrow({ where: { id: vmId } });
    expect(vm).toMatchObject({ state: 'running', guestReady: true });
    expect(existsSync(vm.diskPath)).toBe(true);
    await waitFor('VM metrics', async () => (await db().metricSample.count({ where: { vmId } })) >= 2, 120_000, 250);

    expect(await settled((await runVmAction(admin, vmId, 'stop')).taskId)).toMatchObject({ state: 'succeeded' });
    expect((await db().vm.findUniqueOrThrow({ where: { id: vmId } })).state).toBe('stopped');
    expect(await settled((await runVmAction(admin, vmId, 'start')).taskId)).toMatchObject({ state: 'succeeded' });
    expect((await db().vm.findUniqueOrThrow({ where: { id: vmId } })).state).toBe('running');
    expect(await settled((await deleteVm(admin, vmId)).taskId)).toMatchObject({ state: 'succeeded' });
    expect(await db().vm.findUnique({ where: { id: vmId } })).toBeNull();
    expect(existsSync(path.dirname(vm.diskPath))).toBe(false);
  });

  it('a provision QEMU refuses leaves no VM row and no disk, and the task says why in QEMU words', async () => {
    // An image whose "kernel" is not a kernel: qemu-img is happy, QEMU refuses to boot it.
    const bogus = path.join(tmp, 'not-a-kernel');
    writeFileSync(bogus, 'this is not a kernel\n'.repeat(100));
    const imp = await enqueueImageImport(SYSTEM_ACTOR, {
      name: 'broken',
      version: '1',
      description: '',
      hostId: 'auto',
      disk: GUEST_DISK,
      kernel: bogus,
    });
    expect(await settled(imp.taskId)).toMatchObject({ state: 'succeeded' });
    const { taskId, vmId } = await createVm(admin, {
      name: 'doomed',
      imageId: imp.imageId,
      hostId: 'auto',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeGiB: 1,
      haEnabled: false,
      tags: [],
    });
    const task = await settled(taskId);
    expect(task.state).toBe('failed');
    expect(task.error?.message).toMatch(/kernel|qemu/i);
    console.log(`refused provision says: ${task.error?.message}`);
    expect(await db().vm.findUnique({ where: { id: vmId } })).toBeNull();
    expect(existsSync(path.join(tmp, 'p1', 'pool', 'vms', vmId))).toBe(false);
  });

  it('a dead agent: 503 at once, the host offline within 15 s of its last heartbeat, VMs still running after it returns', async () => {
    const { taskId, vmId } = await createVm(admin, {
      name: 'survivor',
      imageId,
      hostId: 'auto',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeGiB: 1,
      haEnabled: false,
      tags: [],
    });
    expect((await settled(taskId)).state).toBe('succeeded');
    const hostId = (await db().vm.findUniqueOrThrow({ where: { id: vmId } })).hostId;

    agent.child.kill('SIGKILL'); // the agent dies; QEMU lives in its own session and must not
    await expect(readVmConsole(vmId, 10)).rejects.toMatchObject({ code: 'AGENT_UNREACHABLE', status: 503 });
    const host = await waitFor(
      'the host to show offline',
      async () => ((await getHost(hostId)).status === 'offline' ? getHost(hostId) : null),
      30_000,
      250,
    );
    const silentFor = Date.now() - Date.parse(host.lastHeartbeat!);
    console.log(`host shown offline ${silentFor} ms after its last heartbeat`);
    expect(silentFor).toBeLessThan(15_000);
    await expect(runVmAction(admin, vmId, 'stop')).rejects.toMatchObject({ code: 'HOST_OFFLINE', status: 503 });
    await expect(
      createVm(admin, {
        name: 'nowhere',
        imageId,
        hostId,
        vcpus: 1,
        memoryMiB: 128,
        diskSizeGiB: 1,
        haEnabled: false,
        tags: [],
      }),
    ).rejects.toMatchObject({ code: 'HOST_OFFLINE', status: 503 });

    agent = startAgent(); // saved credentials, no new token needed
    await waitFor('the host back online', async () => (await getHost(hostId)).status === 'online', 60_000, 250);
    await waitFor(
      'the VM reported running again',
      async () => (await db().vm.findUniqueOrThrow({ where: { id: vmId } })).state === 'running',
      30_000,
      250,
    );
    expect((await readVmConsole(vmId, 50)).lines.join('\n')).toMatch(/VMOPS-READY/);
    expect(await settled((await deleteVm(admin, vmId)).taskId)).toMatchObject({ state: 'succeeded' });
  });
});
