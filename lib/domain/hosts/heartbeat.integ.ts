import { afterAll, describe, expect, it } from 'vitest';
import type { AgentInfo, Heartbeat } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { heartbeatsOf } from '@/lib/testing/heartbeats';
import { createTestDb } from '@/lib/testing/test-db';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { agentFromBearer, hostFromBearer, sha256Hex } from './credentials';
import { createEnrollmentToken, enrollHost } from './enrollment';
import { ingestHeartbeat } from './heartbeat';
import { rollupMetrics } from '@/lib/domain/metrics/rollup';
import { isSqlite } from '@/lib/db/sql-runner';
import { getHost } from './queries';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const info: AgentInfo = {
  hostName: 'h1',
  site: 'main',
  agentVersion: '0.1.0',
  driver: 'qemu',
  qemuVersion: '7.2.0',
  accelerator: 'tcg',
  acceleratorReason: 'TCG: no vmx/svm',
  cpuCount: 2,
  cpuModel: 'Test CPU',
  memoryTotalBytes: 8 * 1024 ** 3,
  kernel: '6.1',
  pools: [{ name: 'local', kind: 'local', path: '/data/pool', totalBytes: 100, freeBytes: 40 }],
};

const vmSample = (id: string, state: Heartbeat['vms'][number]['state']) => ({
  id,
  state,
  guestReady: true,
  cpuPct: 12,
  rssBytes: 1000,
  diskRdBytes: 1,
  diskWrBytes: 2,
  diskRdOps: 3,
  diskWrOps: 4,
});

describe('enrollment', () => {
  it('trades a one-time token for credentials, once, and only for the named host', async () => {
    const token = await createEnrollmentToken('h1');
    await expect(enrollHost({ token, name: 'h2', agentUrl: 'http://127.0.0.1:7101', info })).rejects.toMatchObject({
      status: 401,
    });
    const { hostId, agentToken } = await enrollHost({ token, name: 'h1', agentUrl: 'http://127.0.0.1:7101', info });
    await expect(enrollHost({ token, name: 'h1', agentUrl: 'http://127.0.0.1:7101', info })).rejects.toMatchObject({
      status: 401,
    });
    expect(await hostFromBearer(`Bearer ${agentToken}`)).toEqual({ id: hostId, name: 'h1' });
    await expect(hostFromBearer('Bearer wrong')).rejects.toMatchObject({ status: 401 });
    await expect(hostFromBearer(null)).rejects.toMatchObject({ status: 401 });
    const host = await getHost(hostId);
    expect(host).toMatchObject({
      status: 'online',
      qemuVersion: '7.2.0',
      accelerator: 'tcg',
      pools: [{ name: 'local', freeBytes: 40 }],
    });
  });
});

describe('ingestHeartbeat', () => {
  it('records samples, follows QEMU states, and leaves VMs that a task is working on alone', async () => {
    const host = await db().host.findUniqueOrThrow({ where: { name: 'h1' } });
    const base = { hostId: host.id, vcpus: 1, memoryMiB: 128, diskSizeBytes: BigInt(1) };
    await db().vm.create({ data: { id: 'vm-a', name: 'a', state: 'running', ...base } });
    await db().vm.create({ data: { id: 'vm-b', name: 'b', state: 'provisioning', ...base } });
    await db().vm.create({
      data: { id: 'vm-c', name: 'c', state: 'running', ...base, updatedAt: new Date(Date.now() - 60_000) },
    });
    // Changed seconds ago (e.g. just migrated here): this heartbeat may predate it, so no verdict yet.
    await db().vm.create({ data: { id: 'vm-d', name: 'd', state: 'running', ...base } });
    await enqueueTask({
      kind: 'vm.create',
      title: 't',
      target: { type: 'vm', id: 'vm-b' },
      payload: { vmId: 'vm-b' },
      actor: SYSTEM_ACTOR,
    });
    await (
      await heartbeatsOf(host.id)
    )({
      at: new Date().toISOString(),
      info,
      host: { cpuPct: 55, memUsedBytes: 4 * 1024 ** 3, memTotalBytes: 8 * 1024 ** 3, load1: 1, load5: 1, load15: 1 },
      vms: [vmSample('vm-a', 'shutoff'), vmSample('vm-b', 'running'), vmSample('vm-x', 'running')],
    });
    const states = Object.fromEntries((await db().vm.findMany()).map((v) => [v.id, v.state]));
    expect(states).toEqual({ 'vm-a': 'stopped', 'vm-b': 'provisioning', 'vm-c': 'error', 'vm-d': 'running' });
    expect(await db().metricSample.count({ where: { vmId: null } })).toBe(1);
    // Unknown VMs (vm-x) are not recorded; the busy one still gets its sample.
    expect((await db().metricSample.findMany({ where: { NOT: { vmId: null } } })).map((s) => s.vmId).sort()).toEqual([
      'vm-a',
      'vm-b',
    ]);
    expect(await getHost(host.id)).toMatchObject({ cpuPct: 55, memoryUsedBytes: 4 * 1024 ** 3 });
  });

  it('says which VMs changed, and takes a guest turning ready even while a task works on its running VM', async () => {
    const host = await db().host.findUniqueOrThrow({ where: { name: 'h1' } });
    const base = { hostId: host.id, vcpus: 1, memoryMiB: 128, diskSizeBytes: BigInt(1) };
    await db().vm.create({ data: { id: 'vm-e', name: 'e', state: 'running', guestReady: false, ...base } });
    await db().vm.create({ data: { id: 'vm-f', name: 'f', state: 'running', guestReady: true, ...base } });
    await db().vm.update({
      where: { id: 'vm-b' },
      data: { state: 'running', guestReady: false, guestWarning: 'booting' },
    });
    const hb = (vms: ReturnType<typeof vmSample>[]) => ({
      at: new Date().toISOString(),
      info,
      host: { cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2, load1: 0, load5: 0, load15: 0 },
      vms,
    });
    // vm-b is still being provisioned (its task runs): its readiness counts, its state stays the task's.
    const changed = await (
      await heartbeatsOf(host.id)
    )(hb([vmSample('vm-e', 'running'), vmSample('vm-f', 'running'), { ...vmSample('vm-b', 'running') }]));
    expect(changed.sort()).toEqual(['vm-b', 'vm-e']);
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-b' } })).toMatchObject({
      state: 'running',
      guestReady: true,
      guestWarning: null,
    });
    expect(
      await (
        await heartbeatsOf(host.id)
      )(hb([vmSample('vm-e', 'running'), vmSample('vm-f', 'running'), vmSample('vm-b', 'running')])),
    ).toEqual([]);
  });
  it("writes heartbeats that arrive together: each host its own figures, a host's own in order", async () => {
    const others = await Promise.all(
      ['h2', 'h3'].map((name, i) =>
        db().host.create({ data: { name, agentUrl: `http://127.0.0.1:${7102 + i}`, agentTokenHash: `hash-${name}` } }),
      ),
    );
    const base = { vcpus: 1, memoryMiB: 128, diskSizeBytes: BigInt(1), state: 'running', guestReady: true };
    for (const h of others) await db().vm.create({ data: { id: `vm-${h.name}`, name: h.name, hostId: h.id, ...base } });
    const before = await db().vm.findUniqueOrThrow({ where: { id: 'vm-h2' } });
    const [beat2, beat3] = await Promise.all(others.map((h) => heartbeatsOf(h.id)));
    const hb = (cpuPct: number, vms: ReturnType<typeof vmSample>[]) => ({
      at: new Date().toISOString(),
      info: { ...info, pools: [] },
      host: { cpuPct, memUsedBytes: cpuPct * 1000, memTotalBytes: 2, load1: 0, load5: 0, load15: 0 },
      vms,
    });
    const [, h2a, h2b] = await Promise.all([
      beat3(hb(30, [{ ...vmSample('vm-h3', 'running'), cpuPct: 33, rssBytes: 3000 }])),
      beat2(hb(20, [{ ...vmSample('vm-h2', 'running'), cpuPct: 22, rssBytes: 2000 }])),
      // The same host twice: applied in arrival order, so the later figures and state win.
      beat2(hb(21, [{ ...vmSample('vm-h2', 'paused'), cpuPct: 23, rssBytes: 2100 }])),
    ]);
    expect([h2a, h2b]).toEqual([[], ['vm-h2']]);
    const vms = await db().vm.findMany({ where: { id: { in: ['vm-h2', 'vm-h3'] } }, orderBy: { id: 'asc' } });
    expect(vms.map((v) => [v.id, v.state, v.cpuPct, v.rssBytes])).toEqual([
      ['vm-h2', 'paused', 23, 2100n],
      ['vm-h3', 'running', 33, 3000n],
    ]);
    const hosts = await db().host.findMany({ where: { name: { in: ['h2', 'h3'] } }, orderBy: { name: 'asc' } });
    expect(hosts.map((h) => [h.name, h.status, h.cpuPct, h.memoryUsedBytes])).toEqual([
      ['h2', 'online', 21, 21000n],
      ['h3', 'online', 30, 30000n],
    ]);
    expect(await db().metricSample.count({ where: { vmId: 'vm-h2' } })).toBe(2);
    // Stored as Prisma stores them: found by time, every figure exact.
    const since = new Date(Date.now() - 60_000);
    expect(await db().metricSample.findMany({ where: { vmId: 'vm-h3', at: { gte: since } } })).toMatchObject([
      { hostId: others[1].id, cpuPct: 33, memUsedBytes: 3000n, diskRdBytes: 1n, diskWrBytes: 2n, diskRdOps: 3n },
    ]);
    expect(hosts.every((h) => h.lastHeartbeat! >= since && h.lastHeartbeat! <= new Date())).toBe(true);
    // Figures alone are no change for open pages: updatedAt (the change feed's mark) stays; the
    // pause did count.
    const paused = await db().vm.findUniqueOrThrow({ where: { id: 'vm-h2' } });
    expect(paused.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    await beat2(hb(5, [{ ...vmSample('vm-h2', 'paused'), cpuPct: 1, rssBytes: 1 }]));
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-h2' } })).toMatchObject({
      cpuPct: 1,
      updatedAt: paused.updatedAt,
    });
  });
  it('takes no state from a sample taken before the VM last changed (a task finished after it)', async () => {
    const host = await db().host.findUniqueOrThrow({ where: { name: 'h2' } });
    const sampledAt = new Date(Date.now() - 2_000);
    // The stop task finished after the agent took this sample, which still saw the VM running.
    await db().vm.create({
      data: { id: 'vm-s', name: 's', hostId: host.id, state: 'stopped', vcpus: 1, memoryMiB: 1, diskSizeBytes: 1n },
    });
    const hb = (at: Date) => ({
      at: at.toISOString(),
      info: { ...info, pools: [] },
      host: { cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2, load1: 0, load5: 0, load15: 0 },
      vms: [{ ...vmSample('vm-s', 'running'), cpuPct: 7 }],
    });
    expect(await (await heartbeatsOf(host.id))(hb(sampledAt))).toEqual([]);
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-s' } })).toMatchObject({ state: 'stopped', cpuPct: 7 });
    // A later sample that still sees it running is news.
    expect(await (await heartbeatsOf(host.id))(hb(new Date()))).toEqual(['vm-s']);
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-s' } })).state).toBe('running');
  });

  it('writes changed facts and pools (new, changed, untouched) in the batch', async () => {
    const host = await db().host.findUniqueOrThrow({ where: { name: 'h1' }, include: { pools: true } });
    const beat = await heartbeatsOf(host.id);
    const pools = [
      { name: 'local', kind: 'local' as const, path: '/data/pool', totalBytes: 100, freeBytes: 39 },
      { name: 'fast', kind: 'shared' as const, path: '/mnt/fast', totalBytes: 2 ** 40, freeBytes: 2 ** 39 },
    ];
    await beat({
      at: new Date().toISOString(),
      info: { ...info, agentVersion: '0.2.0', qemuVersion: null, cpuCount: 4, memoryTotalBytes: 2 ** 35, pools },
      host: { cpuPct: 3, memUsedBytes: 1, memTotalBytes: 2, load1: 0, load5: 0, load15: 0 },
      vms: [],
    });
    const after = await db().host.findUniqueOrThrow({
      where: { id: host.id },
      include: { pools: { orderBy: { name: 'asc' } } },
    });
    expect(after).toMatchObject({ agentVersion: '0.2.0', qemuVersion: null, cpuCount: 4, memoryTotalBytes: 2n ** 35n });
    expect(after.pools.map((p) => [p.name, p.kind, p.path, p.totalBytes, p.freeBytes])).toEqual([
      ['fast', 'shared', '/mnt/fast', 2n ** 40n, 2n ** 39n],
      ['local', 'local', '/data/pool', 100n, 39n],
    ]);
    const local = after.pools.find((p) => p.name === 'local')!;
    expect(local.id).toBe(host.pools.find((p) => p.name === 'local')!.id);
    expect(local.updatedAt.getTime()).toBeGreaterThan(host.pools[0].updatedAt.getTime());
    expect(await getHost(host.id)).toMatchObject({
      agentVersion: '0.2.0',
      pools: [{ name: 'fast' }, { name: 'local' }],
    });
  });

  it('refuses, and writes nothing for, a heartbeat whose token changed or whose host is gone since it was checked', async () => {
    const token = await createEnrollmentToken('h9');
    const { hostId, agentToken } = await enrollHost({ token, name: 'h9', agentUrl: 'http://127.0.0.1:7109', info });
    const auth = await agentFromBearer(`Bearer ${agentToken}`);
    expect(auth).toEqual({ hostId, tokenHash: sha256Hex(agentToken) });
    // Re-enrolled elsewhere meanwhile: the stored hash is another one, the cached lookup still says yes.
    await db().host.update({ where: { id: hostId }, data: { agentTokenHash: sha256Hex('rotated') } });
    expect(await agentFromBearer(`Bearer ${agentToken}`)).toEqual(auth);
    const hb = {
      at: new Date().toISOString(),
      info,
      host: { cpuPct: 77, memUsedBytes: 1, memTotalBytes: 2, load1: 0, load5: 0, load15: 0 },
      vms: [],
    };
    await expect(ingestHeartbeat({ ...auth, hb })).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    // The refusal dropped the cached entry: the old token is now refused at the door.
    await expect(agentFromBearer(`Bearer ${agentToken}`)).rejects.toMatchObject({ status: 401 });
    await expect(ingestHeartbeat({ hostId: 'no-such-host', tokenHash: auth.tokenHash, hb })).rejects.toMatchObject({
      status: 401,
    });
    expect(await db().host.findUniqueOrThrow({ where: { id: hostId } })).toMatchObject({ cpuPct: 0 });
    expect(await db().metricSample.count({ where: { hostId } })).toBe(0);
  });

  it('drops a heartbeat whose caller went away before its batch was written', async () => {
    const host = await db().host.findUniqueOrThrow({ where: { name: 'h1' } });
    const gone = new AbortController();
    const hb = {
      at: new Date().toISOString(),
      info,
      host: { cpuPct: 88, memUsedBytes: 1, memTotalBytes: 2, load1: 0, load5: 0, load15: 0 },
      vms: [],
    };
    const before = await db().metricSample.count({ where: { hostId: host.id } });
    const dropped = ingestHeartbeat({ hostId: host.id, tokenHash: host.agentTokenHash, hb }, gone.signal);
    gone.abort();
    await expect(dropped).rejects.toMatchObject({ status: 499, code: 'CLIENT_GONE' });
    expect(await db().metricSample.count({ where: { hostId: host.id } })).toBe(before);
    expect((await db().host.findUniqueOrThrow({ where: { id: host.id } })).cpuPct).not.toBe(88);
  });

  it('keeps storing samples and rollups once their ids pass 32 bits (3 days of a fleet at 8,000 samples/s)', async () => {
    const host = await db().host.findUniqueOrThrow({ where: { name: 'h1' } });
    const past = 3_000_000_000;
    for (const table of ['MetricSample', 'MetricRollup'])
      if (isSqlite()) {
        await db().$executeRawUnsafe(`DELETE FROM sqlite_sequence WHERE name = '${table}'`);
        await db().$executeRawUnsafe(`INSERT INTO sqlite_sequence (name, seq) VALUES ('${table}', ${past})`);
      } else await db().$executeRawUnsafe(`SELECT setval('"${table}_id_seq"', ${past})`);
    const at = new Date(Date.now() - 120_000);
    await (
      await heartbeatsOf(host.id)
    )({
      at: at.toISOString(),
      info,
      host: { cpuPct: 9, memUsedBytes: 1, memTotalBytes: 2, load1: 0, load5: 0, load15: 0 },
      vms: [],
    });
    await rollupMetrics();
    const [sample] = await db().$queryRawUnsafe<{ id: unknown }[]>(`SELECT MAX("id") AS id FROM "MetricSample"`);
    const [rollup] = await db().$queryRawUnsafe<{ id: unknown }[]>(`SELECT MAX("id") AS id FROM "MetricRollup"`);
    expect(Number(sample.id)).toBeGreaterThan(past);
    expect(Number(rollup.id)).toBeGreaterThan(past);
  });
});
