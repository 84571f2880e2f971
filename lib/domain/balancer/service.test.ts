import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { AppError, forbidden, invalidInput } from '@/lib/errors';
import { admin, clearTables, operator, seedHost, seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { balancerTick } from '@/lib/worker/balancer-scheduler';
import type { BalancerPolicy } from './schemas';
import { getPolicy, listRuns } from './queries';
import { applyRecommendation, runBalancer, runBalancerPass, updatePolicy } from './service';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const policy: BalancerPolicy = {
  mode: 'recommend',
  intervalSec: 300,
  cpuThresholdPct: 100,
  memThresholdPct: 100,
  maxConcurrent: 2,
  cooldownMin: 30,
  excludedVmIds: [],
  rules: [],
};

// h1 (2 cores) runs three VMs, one of them burning a whole vCPU and rising; h2 runs nothing.
async function seedCluster() {
  const h1 = await seedHost('h1', { freeGiB: 10 });
  const h2 = await seedHost('h2', { freeGiB: 14 });
  for (const h of [h1, h2]) await db().host.update({ where: { id: h.id }, data: { cpuCount: 2 } });
  const now = Date.now();
  for (const [i, id] of ['burner', 'idle-a', 'idle-b'].entries()) {
    await db().vm.create({
      data: {
        id,
        name: id,
        hostId: h1.id,
        state: 'running',
        vcpus: 1,
        memoryMiB: 1024,
        diskSizeBytes: BigInt(1 << 30),
        pool: 'shared',
        tags: '[]',
      },
    });
    const samples = Array.from({ length: 12 }, (_, k) => ({
      at: new Date(now - (12 - k) * 5000),
      hostId: h1.id,
      vmId: id,
      cpuPct: i === 0 ? 60 + k * 3 : 1,
    }));
    await db().metricSample.createMany({ data: samples });
  }
  return { h1, h2 };
}

beforeEach(async () => {
  await clearTables(
    'balancerRecommendation',
    'balancerRun',
    'balancerPolicy',
    'metricSample',
    'migration',
    'taskStep',
    'task',
    'vm',
    'auditEvent',
    'host',
    'user',
  );
  await seedUsers();
});

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: AppError) => ({ code: err.code, data: err.data }),
  );

describe('balancer service', () => {
  it('a run stores before/after host loads and recommends moving a VM off the loaded host', async () => {
    const { h1, h2 } = await seedCluster();
    await updatePolicy(admin, policy);
    const run = await runBalancer(operator);
    expect(run.trigger).toBe('manual');
    expect(run.imbalanceAfter).toBeLessThan(run.imbalanceBefore);
    expect(run.hostsBefore.find((h) => h.hostId === h1.id)).toMatchObject({ name: 'h1' });
    expect(run.hostsBefore.find((h) => h.hostId === h1.id)!.cpuPct).toBeGreaterThan(50); // predicted demand, rising
    expect(run.recommendations.length).toBeGreaterThan(0);
    expect(run.recommendations[0]).toMatchObject({
      sourceHostId: h1.id,
      sourceHostName: 'h1',
      targetHostId: h2.id,
      state: 'pending',
    });
    expect((await getPolicy()).lastRunAt).not.toBeNull();
    expect((await listRuns(10)).runs.map((r) => r.id)).toEqual([run.id]);
  });

  it('a new run expires the pending recommendations of the previous one', async () => {
    await seedCluster();
    const first = await runBalancerPass('manual');
    await runBalancerPass('manual');
    const states = await db().balancerRecommendation.findMany({ where: { runId: first.id }, select: { state: true } });
    expect(states.map((s) => s.state)).toEqual(first.recommendations.map(() => 'expired'));
  });

  it('policy: admins only; conflicts only the cluster reveals are rejected with the reason', async () => {
    await seedCluster();
    expect(await codeOf(updatePolicy(operator, policy))).toMatchObject({ code: forbidden.code });
    expect(await db().auditEvent.count({ where: { action: 'balancer.policy.update', result: 'denied' } })).toBe(1);
    const bad = {
      ...policy,
      rules: [
        {
          id: 'r1',
          kind: 'vm-host-affinity' as const,
          name: 'pin',
          tag: 'db',
          hostIds: ['nope'],
          strength: 'must' as const,
        },
      ],
    };
    expect(await codeOf(updatePolicy(admin, bad))).toEqual({
      code: invalidInput.code,
      data: { fields: { 'rules.0': [expect.stringContaining('unknown host(s): nope')] } },
    });
    const saved = await updatePolicy(admin, { ...policy, mode: 'automatic', excludedVmIds: ['idle-a'] });
    expect(saved).toMatchObject({ mode: 'automatic', excludedVmIds: ['idle-a'] });
    expect(await db().auditEvent.count({ where: { action: 'balancer.policy.update', result: 'succeeded' } })).toBe(1);
  });

  it('viewers may not run or apply', async () => {
    await seedCluster();
    expect(await codeOf(runBalancer(viewer))).toMatchObject({ code: forbidden.code });
    const run = await runBalancerPass('manual');
    expect(await codeOf(applyRecommendation(viewer, run.recommendations[0].id))).toMatchObject({
      code: forbidden.code,
    });
  });

  it('applying queues a balancer migration; a recommendation whose VM has moved since is expired', async () => {
    const { h1, h2 } = await seedCluster();
    const stale = (await runBalancerPass('manual')).recommendations[0];
    await db().vm.update({ where: { id: stale.vmId }, data: { hostId: h2.id } });
    expect(await codeOf(applyRecommendation(operator, stale.id))).toMatchObject({
      code: 'CONFLICT',
      data: { state: 'expired' },
    });
    expect(await db().balancerRecommendation.findUniqueOrThrow({ where: { id: stale.id } })).toMatchObject({
      state: 'expired',
    });
    await db().vm.update({ where: { id: stale.vmId }, data: { hostId: h1.id } });

    const rec = (await runBalancerPass('manual')).recommendations[0];
    const out = await applyRecommendation(operator, rec.id);
    expect(await db().migration.findUniqueOrThrow({ where: { id: out.migrationId } })).toMatchObject({
      vmId: rec.vmId,
      targetHostId: rec.targetHostId,
      reason: 'balancer',
    });
    expect(await db().balancerRecommendation.findUniqueOrThrow({ where: { id: rec.id } })).toMatchObject({
      state: 'applied',
      taskId: out.taskId,
    });
    expect(await codeOf(applyRecommendation(operator, rec.id))).toMatchObject({
      code: 'CONFLICT',
      data: { state: 'applied' },
    });
  });

  it.each([
    { mode: 'off' as const, runs: 0, applied: 0 },
    { mode: 'recommend' as const, runs: 1, applied: 0 },
    { mode: 'automatic' as const, runs: 1, applied: 1 },
  ])('worker tick in mode $mode: $runs run(s), $applied applied', async ({ mode, runs, applied }) => {
    await seedCluster();
    await updatePolicy(admin, { ...policy, mode, maxConcurrent: 1 });
    await balancerTick(() => {});
    await balancerTick(() => {}); // within the interval: nothing more
    expect(await db().balancerRun.count()).toBe(runs);
    expect(await db().balancerRecommendation.count({ where: { state: 'applied' } })).toBe(applied);
    expect(await db().migration.count({ where: { reason: 'balancer' } })).toBe(applied);
  });
});
