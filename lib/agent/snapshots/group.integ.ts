// Group checkpoints on real QEMU (TCG): two real agents on one machine (lib/testing/two-hosts.ts),
// three VMs (two on m1, one on m2), driven the way the worker does: prepare, pause and capture on
// both hosts in parallel; later revert on both with resume: false, then resume both together.
// Every VM must come back to its state at the group instant: the guest's own record counter (its
// memory), the records on its disk, and no reboot (uptime counts on from the checkpoint).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ask, GUEST_DISK, guestBoot, records } from '@/lib/testing/guest';
import { parseRecords } from '@/lib/testing/disk-records';
import { restoreGroup, takeGroup } from '@/lib/testing/group-checkpoints';
import { createGuest, startTwoHosts, type TestHost } from '@/lib/testing/two-hosts';
import { waitFor } from '@/lib/wait-for';

type Env = Awaited<ReturnType<typeof startTwoHosts>>;
let env: Env;
let m1: TestHost;
let m2: TestHost;
const members = () => [
  { host: m1, vmId: 'g-a' },
  { host: m1, vmId: 'g-b' },
  { host: m2, vmId: 'g-c' },
];
const notes: Record<string, unknown> = {};

const write = async (h: TestHost, vm: string, n: number) =>
  Number(/seq=(\d+)/.exec(await ask(h.client, vm, `write ${n}`, /^VMOPS-(OK seq|ERR)/))![1]);
async function status(h: TestHost, vm: string) {
  const line = await ask(h.client, vm, 'status', /^VMOPS-STATUS /);
  return { uptime: Number(/uptime=([\d.]+)/.exec(line)![1]), seq: Number(/seq=(\d+)/.exec(line)![1]) };
}
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (err: { code?: string; message?: string }) => `${err.code}: ${err.message}`,
  );

beforeAll(async () => {
  env = await startTwoHosts();
  [m1, m2] = env.hosts;
  await Promise.all(members().map((m) => createGuest(m.host, m.vmId, 'local')));
  for (const m of members()) expect(await write(m.host, m.vmId, 5)).toBe(5);
}, 900_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail')
    for (const h of [m1, m2]) console.log(`--- agent ${h.name} log ---\n${h.log.lines.slice(-60).join('\n')}`);
});

afterAll(async () => {
  await env?.close();
  console.log('group checkpoint integ notes:', JSON.stringify(notes));
});

describe('group checkpoints on two real agents', () => {
  it('refuses a member that cannot take part, naming it, before anything is paused', async () => {
    await m2.client.createVm({
      id: 'g-off',
      name: 'g-off',
      vcpus: 1,
      memoryMiB: 64,
      diskSizeBytes: 64 * 1024 * 1024,
      pool: 'local',
      baseImagePath: GUEST_DISK,
      boot: guestBoot(),
      start: false,
    });
    const refused = await codeOf(m2.client.groupPause({ groupId: 'grp-bad', vmIds: ['g-c', 'g-off'] }));
    expect(refused).toMatch(/^VM_BAD_POWER_STATE: VM g-off /);
    expect((await m2.client.getVm('g-c')).state).toBe('running');
    await m2.client.deleteVm('g-off');
  });

  it('a pause no capture follows is resumed by the agent after holdMs', async () => {
    const { paused } = await m1.client.groupPause({ groupId: 'grp-hold', vmIds: ['g-a'], holdMs: 1000 });
    expect(paused.map((p) => p.vmId)).toEqual(['g-a']);
    expect((await m1.client.getVm('g-a')).state).toBe('paused');
    // Claimed like any long VM call meanwhile.
    expect(await codeOf(m1.client.stopVm('g-a', { force: true }))).toMatch(/^CONFLICT: VM g-a is busy: points.group/);
    await waitFor(
      'g-a resumed by the agent',
      async () => (await m1.client.getVm('g-a')).state === 'running',
      10_000,
      50,
    );
    expect(
      await codeOf(
        m1.client.groupCapture({ groupId: 'grp-hold', kind: 'disk', items: [{ vmId: 'g-a', pointId: 'never' }] }),
      ),
    ).toMatch(/^CONFLICT: /);
  });

  it('captures 3 VMs on two hosts at one instant and a group restore brings each back to it', async () => {
    const before = new Map<string, number>();
    for (const m of members()) before.set(m.vmId, (await status(m.host, m.vmId)).uptime);
    const group = members().map((m) => ({ client: m.host.client, vmId: m.vmId }));
    const stillRunning = async () => {
      for (const m of members()) expect((await m.host.client.getVm(m.vmId)).state).toBe('running');
    };
    const taken = await takeGroup(group, 'grp-1', 'memory', stillRunning); // prepare does not pause
    notes.groupPauseMs = taken.groupPauseMs;
    notes.perVmPauseMs = taken.points.map((p) => p.point.pauseMs);
    expect(taken.prepared.sort()).toEqual(['g-a', 'g-b', 'g-c']);
    expect(taken.points.map((p) => p.vmId).sort()).toEqual(['g-a', 'g-b', 'g-c']);
    for (const p of taken.points)
      expect(p.point).toMatchObject({ id: `grp-1-${p.vmId}`, kind: 'memory', groupId: 'grp-1', wasRunning: true });
    await stillRunning();

    for (const m of members()) expect(await write(m.host, m.vmId, 3)).toBe(8);

    const restored = await restoreGroup(group, 'grp-1', async () => {
      for (const m of members()) expect((await m.host.client.getVm(m.vmId)).state).toBe('paused');
    });
    notes.groupRestoreMs = restored.totalMs;
    notes.groupResumeCallMs = restored.resumeMs;

    for (const m of members()) {
      expect((await m.host.client.getVm(m.vmId)).state).toBe('running');
      const now = await status(m.host, m.vmId);
      expect(now.seq).toBe(5); // the guest's counter in memory, as at the instant
      expect(now.uptime).toBeGreaterThanOrEqual(before.get(m.vmId)!); // restored, not rebooted
      expect(parseRecords(await records(m.host.client, m.vmId))).toEqual({ first: 1, last: 5, count: 5, gaps: 0 });
      expect((await m.host.client.vmPoints(m.vmId)).currentId).toBe(`grp-1-${m.vmId}`);
      expect(await write(m.host, m.vmId, 1)).toBe(6); // and carries on from there
    }
  });
});
