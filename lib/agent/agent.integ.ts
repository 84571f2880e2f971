// Two real agent processes with the REAL QEMU driver (--driver qemu: a machine without QEMU fails
// this test, it does not skip), a fake dashboard, one shared repository. Proves: enrollment,
// image import through the API, VMs booting to VMOPS-READY, heartbeats with VM metrics, an agent
// restart that re-attaches to the still-running QEMU (same pid), and clean deletion.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { parsePidStat } from './metrics/proc';
import type { ImageManifest } from '@/lib/agent-protocol/core';
import { type FakeDashboard, startFakeDashboard } from '@/lib/testing/fake-dashboard';
import { fakeEnrolledClient, spawnAgent, type AgentProcess } from '@/lib/testing/agents';
import { ask, buildGuest, GUEST_DIR, GUEST_DISK, guestBoot, waitGuestReady } from '@/lib/testing/guest';
import { tempDir } from '@/lib/testing/temp-dir';
import { waitFor } from '@/lib/wait-for';
import { freePort } from '@/lib/net/free-port';

const INTERVAL_MS = 2000;

type AgentProc = AgentProcess & { name: string; port: number; data: string; client?: AgentClient };

let dash: FakeDashboard;
let shared: Awaited<ReturnType<typeof tempDir>>;
const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
const agents: Record<string, AgentProc> = {};
let image: ImageManifest;
const timings: Record<string, number> = {};
const notes: Record<string, string> = {};
const createdAt: Record<string, number> = {};

function startHost(name: string, port: number, data: string, token?: string): AgentProc {
  const a = spawnAgent({
    name,
    port,
    data,
    shared: shared.path,
    dashboard: dash.url,
    token,
    driver: 'qemu',
    intervalMs: INTERVAL_MS,
    importDirs: [GUEST_DIR],
  });
  return { ...a, name, port, data };
}

async function startAndEnroll(a: AgentProc): Promise<AgentClient> {
  await a.ready();
  return fakeEnrolledClient(dash, a.name, a.port);
}

// A zombie (exited, not yet reaped by its parent agent) counts as gone.
const alive = (pid: number) => {
  try {
    return parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).state !== 'Z';
  } catch {
    return false;
  }
};

beforeAll(async () => {
  buildGuest();
  dash = await startFakeDashboard();
  shared = await tempDir('vmops-integ-shared-');
  for (const name of ['h1', 'h2']) {
    const data = await tempDir(`vmops-integ-${name}-`);
    dirs.push(data);
    agents[name] = startHost(name, await freePort(), data.path, dash.token);
  }
  for (const a of Object.values(agents)) a.client = await startAndEnroll(a);
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const a of Object.values(agents)) console.log(`--- agent ${a.name} log ---\n${a.lines.slice(-60).join('\n')}`);
});

afterAll(async () => {
  for (const a of Object.values(agents)) {
    for (const vm of (await a.client?.listVms().catch(() => [])) ?? []) await a.client!.deleteVm(vm.id).catch(() => {});
    if (a.child.exitCode !== null) continue;
    a.child.kill('SIGTERM');
    // Wait for the agent to finish before its data dir is removed under it.
    await waitFor(`agent ${a.name} exit`, () => a.child.exitCode !== null, 20_000).catch(() => a.child.kill('SIGKILL'));
  }
  await dash?.close();
  for (const d of [...dirs, shared]) await d?.remove();
  console.log('integ timings (ms):', JSON.stringify(timings), 'notes:', JSON.stringify(notes));
});

describe('agents with the real QEMU driver', () => {
  it('enrolled both hosts and report the qemu driver', async () => {
    for (const a of Object.values(agents)) {
      const info = await a.client!.info();
      expect(info).toMatchObject({ hostName: a.name, driver: 'qemu' });
      expect(info.qemuVersion).toMatch(/\d+\.\d+/);
      expect(['kvm', 'tcg']).toContain(info.accelerator);
    }
  });

  it('imports the guest image into the shared repository through the API', async () => {
    const op = await agents.h1.client!.importImage({
      name: 'tiny-linux',
      version: '1.0',
      description: 'integ test guest',
      append: guestBoot().append,
      disk: { path: GUEST_DISK },
      kernel: { path: path.join(GUEST_DIR, 'vmlinux') },
      initrd: { path: path.join(GUEST_DIR, 'initrd.gz') },
    });
    const done = await waitForOperation(agents.h1.client!, op.id, undefined, { intervalMs: 200 });
    image = done.result as ImageManifest;
    expect(image.diskPath).toBe(path.join(shared.path, 'images/tiny-linux/1.0/disk.qcow2'));
    expect(image.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect(await agents.h2.client!.listImages()).toEqual([image]); // the other host sees it
  });

  it('creates a VM on each host that boots to VMOPS-READY', async () => {
    for (const [name, id] of [
      ['h1', 'integ-vm-1'],
      ['h2', 'integ-vm-2'],
    ] as const) {
      const c = agents[name].client!;
      const t0 = Date.now();
      createdAt[name] = t0;
      const vm = await c.createVm({
        id,
        name: id,
        vcpus: 1,
        memoryMiB: 128,
        diskSizeBytes: 64 * 1024 * 1024,
        baseImagePath: image.diskPath,
        boot: { kernelPath: image.kernelPath, initrdPath: image.initrdPath, append: image.append },
      });
      timings[`${name}.createToRunning`] = Date.now() - t0;
      expect(vm).toMatchObject({ id, state: 'running', vcpus: 1, memoryMiB: 128 });
      expect(vm.pid).toBeGreaterThan(0);
      await waitFor(
        `${id} VMOPS-READY`,
        async () => (await c.console(id, 200)).lines.some((l) => l.startsWith('VMOPS-READY ')),
        120_000,
        200,
      );
      await waitGuestReady(c, id, 10_000);
      timings[`${name}.createToGuestReady`] = Date.now() - t0;
    }
    const c1 = agents.h1.client!;
    await ask(c1, 'integ-vm-1', 'write 3', /^VMOPS-OK seq=3$/);
  });

  it('undoes a create whose QEMU fails to start and passes QEMU words on', async () => {
    const c = agents.h2.client!;
    const err = await c
      .createVm({
        id: 'integ-bad',
        name: 'bad',
        vcpus: 1,
        memoryMiB: 64,
        diskSizeBytes: 1 << 26,
        baseImagePath: image.diskPath,
        boot: { kernelPath: image.diskPath, initrdPath: image.initrdPath },
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QEMU_ERROR' });
    notes.failedCreate = (err as Error).message;
    expect((err as Error).message.toLowerCase()).toContain('kernel');
    expect(existsSync(path.join(agents.h2.data, 'pool/vms/integ-bad'))).toBe(false);
    await expect(c.getVm('integ-bad')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
  });

  it('pushes heartbeats with the VM cpu, rss and disk metrics', async () => {
    const samples = () =>
      dash.heartbeats
        .filter((h) => h.hostName === 'h1' && h.receivedAt > createdAt.h1)
        .flatMap((h) => h.body.vms.filter((v) => v.id === 'integ-vm-1'));
    // Booting under TCG keeps the vCPU busy for seconds: the samples taken then must show it.
    const peakCpu = Math.max(...samples().map((v) => v.cpuPct));
    expect(peakCpu).toBeGreaterThan(10);
    const s = await waitFor(
      'a heartbeat from h1 with the disk write',
      () => samples().find((v) => v.guestReady && v.diskWrOps > 0),
      60_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; samples seen: ${JSON.stringify(samples().slice(-3))}`);
    });
    expect(s).toMatchObject({ state: 'running', guestReady: true });
    expect(s.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(s.diskWrBytes).toBeGreaterThanOrEqual(3 * 512);
    expect(s.diskRdBytes).toBeGreaterThan(0);
    const last = dash.heartbeats.filter((h) => h.hostName === 'h1').at(-1)!.body;
    expect(last.host.memTotalBytes).toBeGreaterThan(last.host.memUsedBytes);
    expect(last.info).toMatchObject({ hostName: 'h1', driver: 'qemu' });
    await waitFor(
      'h2 VM heartbeat',
      () =>
        dash.heartbeats.some(
          (h) => h.hostName === 'h2' && h.body.vms.some((v) => v.id === 'integ-vm-2' && v.rssBytes > 0),
        ),
      60_000,
    );
    // The median gap: a VM state change pushes an extra heartbeat at once (live updates), which
    // makes one short gap that says nothing about the periodic interval.
    const h1 = dash.heartbeats.filter((h) => h.hostName === 'h1').map((h) => h.receivedAt);
    const gaps = h1
      .slice(1)
      .map((t, i) => t - h1[i])
      .slice(-7)
      .sort((a, b) => a - b);
    timings.heartbeatIntervalMedian = gaps[Math.floor(gaps.length / 2)];
    timings.vm1PeakCpuPct = peakCpu;
    timings.vm1RssMiB = Math.round(s.rssBytes / 1048576);
    expect(timings.heartbeatIntervalMedian).toBeGreaterThan(INTERVAL_MS * 0.8);
    expect(timings.heartbeatIntervalMedian).toBeLessThan(INTERVAL_MS * 1.8);
  });

  it('re-attaches to the running QEMU after the agent is restarted (SIGTERM)', async () => {
    const a = agents.h1;
    const before = await a.client!.getVm('integ-vm-1');
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    await waitFor('agent h1 exit', () => a.child.exitCode !== null, 60_000);
    expect(a.lines.some((l) => l.includes('stopped (VMs left running)'))).toBe(true);
    expect(alive(before.pid!)).toBe(true); // the VM outlived its agent

    // No token this time: the saved <data>/agent.json must be enough.
    const again = startHost('h1', a.port, a.data);
    agents.h1 = again;
    again.client = await startAndEnroll(again);
    timings.agentRestart = Date.now() - t0;
    expect(dash.enrolled.filter((h) => h.name === 'h1')).toHaveLength(1);
    const after = await again.client.getVm('integ-vm-1');
    expect(after).toMatchObject({ state: 'running', pid: before.pid, guestReady: true, startedAt: before.startedAt });
    await ask(again.client, 'integ-vm-1', 'status', /^VMOPS-STATUS uptime=[\d.]+ seq=3 burn=0$/);
    const restartedAt = Date.now();
    await waitFor(
      'heartbeats resume with the VM',
      () =>
        dash.heartbeats.some(
          (h) =>
            h.hostName === 'h1' &&
            h.receivedAt > restartedAt &&
            h.body.vms.some((v) => v.id === 'integ-vm-1' && v.state === 'running' && v.rssBytes > 0),
        ),
      60_000,
    );
  });

  it('deletes the VMs and their directories', async () => {
    for (const [name, id] of [
      ['h1', 'integ-vm-1'],
      ['h2', 'integ-vm-2'],
    ] as const) {
      const c = agents[name].client!;
      const { pid, diskPath } = await c.getVm(id);
      await c.deleteVm(id);
      await expect(c.getVm(id)).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
      expect(existsSync(path.dirname(diskPath))).toBe(false);
      await waitFor(`qemu ${pid} gone`, () => !alive(pid!), 10_000);
    }
    expect(existsSync(image.diskPath)).toBe(true); // the shared image stays
  });
});
