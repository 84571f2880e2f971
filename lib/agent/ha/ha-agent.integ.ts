// HA on two REAL agent processes (QEMU driver, default lease timings: renew 2 s, timeout 8 s,
// margin 2 s) on one shared directory, each with its fence watchdog from its start. h1 runs in its
// own mount namespace so the test can cut it off from the shared storage while it lives. (a) each
// sees the other's lease live; (b) a takeover of h1's running shared-pool VM is 409 LEASE_HELD;
// (c) storage cut: h1 fences (QEMU dead) BEFORE h2 sees h1's lease expired, a start on h1 is 503,
// the takeover on h2 succeeds and the guest has every record; (d) kill -9 of h2's agent alone: its
// watchdog kills the QEMU by T - M.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import type { HaStatus, PeerLeaseState } from '@/lib/agent-protocol/ha';
import { freePort } from '@/lib/net/free-port';
import { fakeEnrolledClient, spawnAgent, type AgentProcess } from '@/lib/testing/agents';
import { startFakeDashboard, type FakeDashboard } from '@/lib/testing/fake-dashboard';
import { ask, buildGuest, GUEST_DISK, guestBoot, records, waitGuestReady } from '@/lib/testing/guest';
import { tempDir } from '@/lib/testing/temp-dir';
import { sleep, waitFor } from '@/lib/wait-for';
import { isQemuFor } from '../qemu/process';
import { leaseFile } from './lease-file';
import { readFencedRecord, watchdogPaths } from './watchdog-wire';

const VM = 'ha-guest-1';
const MiB = 1024 * 1024;
type Host = { name: string; proc: AgentProcess; client: AgentClient; data: string };

let dash: FakeDashboard;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let shared: string;
let h1: Host;
let h2: Host;
const qemuPids: number[] = [];
const numbers: Record<string, number> = {};

async function startHost(name: string, wrap?: string[]): Promise<Host> {
  const port = await freePort();
  const data = path.join(tmp.path, name);
  const proc = spawnAgent(
    { name, port, data, shared, dashboard: dash.url, token: dash.token, driver: 'qemu', intervalMs: 1000 },
    { wrap },
  );
  await proc.ready(120_000);
  return { name, proc, client: fakeEnrolledClient(dash, name, port), data };
}

const peerState = (s: HaStatus, host: string): PeerLeaseState | undefined =>
  s.peers.find((p) => p.host === host)?.state;

beforeAll(async () => {
  buildGuest();
  dash = await startFakeDashboard();
  tmp = await tempDir('vmops-ha-');
  shared = path.join(tmp.path, 'shared');
  [h1, h2] = await Promise.all([startHost('h1', ['unshare', '-m', '--propagation', 'private']), startHost('h2')]);
}, 300_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const h of [h1, h2]) console.log(`--- agent ${h?.name} ---\n${h?.proc.lines.slice(-60).join('\n')}`);
});

afterAll(async () => {
  console.log('HA agent numbers (ms):', JSON.stringify(numbers));
  for (const h of [h1, h2]) if (h && h.proc.child.exitCode === null) h.proc.child.kill('SIGKILL');
  for (const pid of qemuPids) if (isQemuFor(pid, VM)) process.kill(pid, 'SIGKILL');
  await dash?.close();
  await tmp?.remove(); // the fence watchdogs exit once their data dirs are gone
});

describe('HA on the agent: leases, fencing, takeover (two agent processes, real QEMU)', () => {
  it('(a) each agent sees the other lease live, its own valid', async () => {
    await waitFor(
      'both leases seen live',
      async () => {
        const [s1, s2] = await Promise.all([h1.client.haStatus(), h2.client.haStatus()]);
        return s1.lease.valid && s2.lease.valid && peerState(s1, 'h2') === 'live' && peerState(s2, 'h1') === 'live';
      },
      30_000,
    );
    const s2 = await h2.client.haStatus();
    expect(s2.timing).toEqual({ renewMs: 2000, timeoutMs: 8000, fenceAfterMs: 6000 });
    expect(s2.lease).toMatchObject({ generation: 1, fenced: false, lastError: null });
    expect(s2.edac.readable).toBe(existsSync('/sys/devices/system/edac/mc'));
    // Each agent has its fence watchdog from its start, before any shared-pool VM.
    for (const h of [h1, h2])
      await waitFor(`${h.name}'s fence watchdog up`, () => existsSync(watchdogPaths(h.data).pidFile), 20_000);
  });

  it('(b) a shared-pool VM runs on h1; a takeover on h2 is 409 LEASE_HELD', async () => {
    await h1.client.createVm({
      id: VM,
      name: VM,
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 64 * MiB,
      pool: 'shared',
      baseImagePath: GUEST_DISK,
      boot: guestBoot(),
    });
    await waitGuestReady(h1.client, VM);
    await ask(h1.client, VM, 'write 5', /^VMOPS-OK seq=5$/);
    qemuPids.push((await h1.client.getVm(VM)).pid!);
    // The first shared-pool VM found the watchdog the agent spawned at its start: no second spawn.
    expect(h1.proc.lines.filter((l) => l.includes('fence watchdog spawned'))).toHaveLength(1);
    const err = await h2.client.haTakeover({ vmId: VM, fromHost: 'h1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LEASE_HELD', status: 409, data: { host: 'h1', timeoutMs: 8000 } });
  });

  it('(c) h1 cut off from the shared storage fences itself before h2 sees its lease expire; h2 takes over', async () => {
    const pid = qemuPids[0];
    expect(isQemuFor(pid, VM)).toBe(true);
    const cutAt = Date.now();
    execFileSync('nsenter', [
      '-t',
      String(h1.proc.child.pid),
      '-m',
      'mount',
      '-t',
      'tmpfs',
      '-o',
      'ro',
      'none',
      shared,
    ]);
    let deadAt: number | null = null;
    let expiredAt: number | null = null;
    while ((deadAt === null || expiredAt === null) && Date.now() - cutAt < 30_000) {
      if (deadAt === null && !isQemuFor(pid, VM)) deadAt = Date.now();
      if (expiredAt === null && peerState(await h2.client.haStatus(), 'h1') === 'expired') expiredAt = Date.now();
      await sleep(50);
    }
    expect(deadAt, 'h1 QEMU still running').not.toBeNull();
    expect(expiredAt, 'h2 never saw h1 expire').not.toBeNull();
    numbers.cutToFenced = deadAt! - cutAt;
    numbers.cutToExpiredOnPeer = expiredAt! - cutAt;
    expect(deadAt!).toBeLessThan(expiredAt!);
    expect(deadAt! - cutAt).toBeLessThan(8_000); // fenceAfter from a renewal started before the cut: inside T

    const s1 = await h1.client.haStatus();
    expect(s1.lease).toMatchObject({ valid: false, fenced: true, fencedVmIds: [VM] });
    expect(s1.lease.lastError).toMatch(/renewal failed/);
    // A fenced host refuses to start shared-pool VMs (503, the start operation fails with the code).
    await expect(h1.client.startVm(VM)).rejects.toMatchObject({ code: 'HA_UNAVAILABLE' });

    const t0 = Date.now();
    const op = await h2.client.haTakeover({ vmId: VM, fromHost: 'h1' });
    const done = await waitForOperation(h2.client, op.id, undefined, { intervalMs: 100, timeoutMs: 120_000 });
    numbers.takeoverToQemuUp = Date.now() - t0;
    const vm = done.result as { state: string; pid: number };
    expect(vm.state).toBe('running');
    qemuPids.push(vm.pid);
    expect(JSON.parse(readFileSync(path.join(shared, 'pool', 'vms', VM, 'vm.json'), 'utf8'))).toMatchObject({
      owner: 'h2',
    });
    await waitGuestReady(h2.client, VM);
    numbers.takeoverToGuestReady = Date.now() - t0;
    expect(await records(h2.client, VM)).toBe('VMOPS-RECORDS first=1 last=5 count=5 gaps=0');
  });

  it('(d) kill -9 of the agent alone: its watchdog kills the QEMU before any peer may declare the lease expired', async () => {
    const pid = qemuPids[1];
    expect(isQemuFor(pid, VM)).toBe(true);
    // When this test last saw h2's counter move: no later than the START of its last renewal + the read.
    const file = leaseFile(shared, 'h2');
    const counter = () => (JSON.parse(readFileSync(file, 'utf8')) as { counter: number }).counter;
    const c0 = counter();
    await waitFor('h2 renews', () => counter() !== c0, 10_000, 20);
    const killedAt = Date.now();
    h2.proc.child.kill('SIGKILL');
    let lastChangeSeenAt = killedAt;
    let last = counter();
    let deadAt: number | null = null;
    while (deadAt === null && Date.now() - killedAt < 20_000) {
      const c = counter();
      if (c !== last) [last, lastChangeSeenAt] = [c, Date.now()];
      if (!isQemuFor(pid, VM)) deadAt = Date.now();
      await sleep(20);
    }
    expect(deadAt, 'QEMU outlived its dead agent').not.toBeNull();
    numbers.agentKillToWatchdogKill = deadAt! - killedAt;
    // The last renewal started at most one interval (2 s) before the kill: dead by then + T - M
    // (+ the watchdog's grace, left to a live agent, + its 100 ms poll).
    expect(deadAt! - killedAt).toBeGreaterThanOrEqual(4_000 - 500);
    expect(deadAt! - killedAt).toBeLessThan(8_000); // inside T from the kill
    expect(deadAt! - lastChangeSeenAt).toBeLessThan(8_000); // before a peer could say "expired"
    // The kill comes first, the record just after it.
    const fenced = await waitFor('fenced.json written', () => readFencedRecord(h2.data), 2_000, 10);
    expect(fenced.killed).toEqual([{ id: VM, pid }]);
  });
});
