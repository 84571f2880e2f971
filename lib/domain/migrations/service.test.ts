import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '@/lib/testing/test-db';
import { admin, operator, seedHost, seedUsers, viewer } from '@/lib/testing/fixtures';
import { db } from '@/lib/db/client';
import type { RuleDto } from '@/lib/domain/balancer/dto';
import { cancelMigration, queueMigration } from './service';
import { estimateMigration, listMigrations } from './queries';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

beforeEach(async () => {
  for (const t of [
    'taskStep',
    'task',
    'migration',
    'metricSample',
    'vm',
    'auditEvent',
    'storagePool',
    'host',
    'user',
    'balancerPolicy',
  ] as const)
    await (db()[t] as { deleteMany(): Promise<unknown> }).deleteMany();
  await seedUsers();
});

async function seedVm(
  hostId: string,
  over: { id?: string; state?: string; memoryMiB?: number; pool?: string; tags?: string[]; cpuPct?: number } = {},
) {
  const id = over.id ?? 'vm-a';
  return db().vm.create({
    data: {
      id,
      name: `n-${id}`,
      hostId,
      state: over.state ?? 'running',
      vcpus: 1,
      memoryMiB: over.memoryMiB ?? 512,
      diskSizeBytes: BigInt(1024 ** 3),
      pool: over.pool ?? 'local',
      diskPath: `/pool/${id}/disk0.qcow2`,
      tags: JSON.stringify(over.tags ?? []),
      cpuPct: over.cpuPct ?? 0,
    },
  });
}

const setRules = (rules: RuleDto[]) =>
  db().balancerPolicy.upsert({
    where: { id: 'cluster' },
    create: { id: 'cluster', rules: JSON.stringify(rules) },
    update: { rules: JSON.stringify(rules) },
  });

describe('queueMigration', () => {
  it('queues a storage migration to the chosen host with an estimate, marks the VM migrating, audits', async () => {
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2');
    await db().metricSample.createMany({
      data: [0, 10].map((s) => ({
        at: new Date(Date.now() - 20_000 + s * 1000),
        hostId: h1.id,
        vmId: 'vm-a',
        cpuPct: 50,
        diskWrBytes: BigInt(s * 1_000_000),
      })),
    });
    await seedVm(h1.id);
    const r = await queueMigration(operator, { vmId: 'vm-a', targetHostId: h2.id, reason: 'manual' });
    const m = await db().migration.findUniqueOrThrow({ where: { id: r.migrationId } });
    expect(m).toMatchObject({
      vmId: 'vm-a',
      sourceHostId: h1.id,
      targetHostId: h2.id,
      mode: 'storage',
      state: 'running',
      taskId: r.taskId,
      reason: 'manual',
    });
    const est = JSON.parse(m.estimate);
    // the test hosts' agents are unreachable: the dirty rate comes from history, and it says so
    expect(est).toMatchObject({ dirtyRateSource: 'history', targetHostName: 'h2', memoryBytes: 512 * 1024 ** 2 });
    expect(est.notes.join(' ')).toMatch(/not measured/);
    expect(await db().task.findUniqueOrThrow({ where: { id: r.taskId } })).toMatchObject({
      kind: 'vm.migrate',
      state: 'queued',
      targetId: 'vm-a',
    });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).state).toBe('migrating');
    expect((await db().auditEvent.findMany()).map((a) => [a.action, a.result])).toEqual([['vm.migrate', 'accepted']]);
    const [dto] = await listMigrations({ vmId: 'vm-a', limit: 10 });
    expect(dto).toMatchObject({
      sourceHostName: 'h1',
      targetHostName: 'h2',
      state: 'running',
      progress: null,
      estimate: { targetHostId: h2.id },
    });
  });

  it("'best' picks the other host that leaves the cluster most balanced, not the one with most free memory; a shared pool means shared mode", async () => {
    const h1 = await seedHost('h1', { freeGiB: 12 });
    const h2 = await seedHost('h2', { freeGiB: 12 });
    const h3 = await seedHost('h3', { freeGiB: 6 });
    await db().storagePool.create({
      data: {
        hostId: h1.id,
        name: 'shared',
        kind: 'shared',
        path: '/shared/pool',
        totalBytes: BigInt(1),
        freeBytes: BigInt(1),
      },
    });
    await seedVm(h1.id, { pool: 'shared', cpuPct: 100 });
    // h2 has more room but its one CPU is busy: moving a busy VM there would unbalance the cluster.
    await seedVm(h2.id, { id: 'vm-busy', cpuPct: 100 });
    const r = await queueMigration(admin, { vmId: 'vm-a', targetHostId: 'best', reason: 'manual' });
    expect(await db().migration.findUniqueOrThrow({ where: { id: r.migrationId } })).toMatchObject({
      targetHostId: h3.id,
      mode: 'shared',
    });
  });

  it("stays in the VM's site: 'best' skips another site's emptier host, a named one is 409 with both sites", async () => {
    const h1 = await seedHost('h1', { freeGiB: 2 });
    const h2 = await seedHost('h2', { freeGiB: 4 });
    const dr1 = await db().host.update({
      where: { id: (await seedHost('dr1', { freeGiB: 14 })).id },
      data: { site: 'dr' },
    });
    await seedVm(h1.id);
    await expect(queueMigration(admin, { vmId: 'vm-a', targetHostId: dr1.id, reason: 'manual' })).rejects.toMatchObject(
      {
        code: 'CONFLICT',
        status: 409,
        message: 'VM n-vm-a runs in site main; host dr1 is in site dr',
      },
    );
    const r = await queueMigration(admin, { vmId: 'vm-a', targetHostId: 'best', reason: 'manual' });
    expect(await db().migration.findUniqueOrThrow({ where: { id: r.migrationId } })).toMatchObject({
      targetHostId: h2.id,
    });
  });

  it("'best' only considers hosts the placement rules allow, and says which rule when none is left", async () => {
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2', { freeGiB: 12 });
    const h3 = await seedHost('h3', { freeGiB: 4 });
    await seedVm(h1.id, { tags: ['web'] });
    await seedVm(h2.id, { id: 'vm-web2', tags: ['web'] });
    await setRules([{ id: 'r1', kind: 'vm-vm-anti-affinity', name: 'web apart', tag: 'web' }]);
    expect((await estimateMigration('vm-a', 'best')).targetHostId).toBe(h3.id);
    await setRules([
      { id: 'r1', kind: 'vm-vm-anti-affinity', name: 'web apart', tag: 'web' },
      {
        id: 'r2',
        kind: 'vm-host-affinity',
        name: 'web on h1 and h2',
        tag: 'web',
        hostIds: [h1.id, h2.id],
        strength: 'must',
      },
    ]);
    await expect(estimateMigration('vm-a', 'best')).rejects.toMatchObject({
      code: 'NO_HOST_AVAILABLE',
      status: 409,
      message: expect.stringMatching(/rule "web apart"|rule "web on h1 and h2"/),
    });
  });

  it('a named host that breaks a must or anti-affinity rule is refused with the rule; a should rule does not refuse', async () => {
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2');
    const h3 = await seedHost('h3');
    await seedVm(h1.id, { tags: ['db', 'web'] });
    await seedVm(h3.id, { id: 'vm-web2', tags: ['web'] });
    await setRules([
      {
        id: 'r-db',
        kind: 'vm-host-affinity',
        name: 'db on h1 or h3',
        tag: 'db',
        hostIds: [h1.id, h3.id],
        strength: 'must',
      },
      { id: 'r-web', kind: 'vm-vm-anti-affinity', name: 'web apart', tag: 'web' },
    ]);
    const q = (targetHostId: string) => queueMigration(admin, { vmId: 'vm-a', targetHostId, reason: 'manual' });
    await expect(q(h2.id)).rejects.toMatchObject({
      code: 'RULE_VIOLATION',
      status: 409,
      data: { ruleId: 'r-db', ruleName: 'db on h1 or h3', host: 'h2' },
      message: expect.stringMatching(/"db" must run on h1 or h3/),
    });
    await expect(q(h3.id)).rejects.toMatchObject({
      code: 'RULE_VIOLATION',
      data: { ruleId: 'r-web' },
      message: expect.stringMatching(/VM n-vm-web2, also tagged "web", is on h3/),
    });
    await setRules([
      {
        id: 'r-pref',
        kind: 'vm-host-affinity',
        name: 'db prefers h1',
        tag: 'db',
        hostIds: [h1.id],
        strength: 'should',
      },
    ]);
    expect((await db().migration.findUniqueOrThrow({ where: { id: (await q(h2.id)).migrationId } })).targetHostId).toBe(
      h2.id,
    );
  });

  it('refuses: viewer 403, unknown 404, stopped 409, busy 409, same host 409, maintenance 409, no room 409, offline 503', async () => {
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2', { freeGiB: 1 });
    const off = await seedHost('off', { online: false });
    const maint = await seedHost('maint');
    await db().host.update({ where: { id: maint.id }, data: { maintenance: true } });
    await seedVm(h1.id);
    await seedVm(h1.id, { id: 'vm-s', state: 'stopped' });
    await seedVm(h1.id, { id: 'vm-big', memoryMiB: 4096 });
    const q = (vmId: string, targetHostId: string, user = admin) =>
      queueMigration(user, { vmId, targetHostId, reason: 'manual' });
    await expect(q('vm-a', h2.id, viewer)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await expect(q('nope', h2.id)).rejects.toMatchObject({ status: 404 });
    await expect(q('vm-a', 'nope')).rejects.toMatchObject({ status: 404 });
    await expect(q('vm-s', h2.id)).rejects.toMatchObject({ code: 'VM_BAD_POWER_STATE', status: 409 });
    await expect(q('vm-a', h1.id)).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    await expect(q('vm-a', maint.id)).rejects.toMatchObject({ code: 'CONFLICT', data: { maintenance: true } });
    await expect(q('vm-big', h2.id)).rejects.toMatchObject({
      code: 'INSUFFICIENT_CAPACITY',
      data: { neededMiB: 4096, freeMiB: 1024 },
    });
    await expect(q('vm-a', off.id)).rejects.toMatchObject({ code: 'HOST_OFFLINE', status: 503 });
    await q('vm-a', h2.id);
    await expect(q('vm-a', h2.id)).rejects.toMatchObject({ status: 409 }); // now migrating and busy
  });

  it('counts migrations on their way to a host as claimed memory', async () => {
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2', { freeGiB: 1 });
    await seedVm(h1.id, { id: 'vm-a', memoryMiB: 700 });
    await seedVm(h1.id, { id: 'vm-b', memoryMiB: 700 });
    await queueMigration(admin, { vmId: 'vm-a', targetHostId: h2.id, reason: 'manual' });
    await expect(queueMigration(admin, { vmId: 'vm-b', targetHostId: h2.id, reason: 'manual' })).rejects.toMatchObject({
      code: 'INSUFFICIENT_CAPACITY',
      data: { freeMiB: 324 },
    });
  });
});

describe('cancelMigration', () => {
  it('a queued migration is cancelled at once and the VM is running again', async () => {
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2');
    await seedVm(h1.id);
    const r = await queueMigration(admin, { vmId: 'vm-a', targetHostId: h2.id, reason: 'manual' });
    await expect(cancelMigration(viewer, r.migrationId)).rejects.toMatchObject({ status: 403 });
    expect(await cancelMigration(operator, r.migrationId)).toEqual({ taskId: r.taskId, cancelled: 'now' });
    expect(await db().migration.findUniqueOrThrow({ where: { id: r.migrationId } })).toMatchObject({
      state: 'cancelled',
      error: 'Cancelled by olga',
    });
    expect(await db().task.findUniqueOrThrow({ where: { id: r.taskId } })).toMatchObject({ state: 'cancelled' });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).state).toBe('running');
    await expect(cancelMigration(admin, r.migrationId)).rejects.toMatchObject({ status: 409 });
  });
});

describe('estimateMigration', () => {
  it('estimates against the best host without queuing anything', async () => {
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2');
    await seedVm(h1.id);
    const e = await estimateMigration('vm-a', 'best');
    expect(e).toMatchObject({ targetHostId: h2.id, sourceHostName: 'h1', mode: 'storage', dirtyRateSource: 'none' });
    expect(e.predictedDurationMs).toBeGreaterThan(0);
    expect(await db().migration.count()).toBe(0);
  });
});
