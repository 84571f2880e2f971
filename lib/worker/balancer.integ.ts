// The balancer on real QEMU: two CPU-burning guests on one host, heartbeats carry their load,
// a balancer run recommends moving one of them to the idle host, applying it live-migrates it,
// and a second run proposes nothing (no ping-pong).
import { describe, expect, it } from 'vitest';
import { ask } from '@/lib/testing/guest';
import { db } from '@/lib/db/client';
import { applyRecommendation, runBalancer, updatePolicy } from '@/lib/domain/balancer/service';
import { createVm } from '@/lib/domain/vms/service';
import { useCluster, type ClusterHost } from '@/lib/testing/cluster';
import { settled } from '@/lib/testing/tasks';
import { admin } from '@/lib/testing/fixtures';
import { waitFor } from '@/lib/wait-for';

const env = useCluster(['b1', 'b2']);

async function burnerOn(host: ClusterHost, name: string): Promise<string> {
  const { taskId, vmId } = await createVm(admin, {
    name,
    imageId: env.imageId,
    hostId: host.hostId,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeGiB: 0.0625,
    haEnabled: false,
    tags: [],
  });
  const t = await settled(taskId);
  expect(t.state, t.error?.message).toBe('succeeded');
  await ask(host.client, vmId, 'burn on', /^VMOPS-OK burn=1$/);
  return vmId;
}

describe('load balancer (real QEMU)', () => {
  it('moves a CPU-burning VM off the loaded host, and does not move it back', async () => {
    const burners = [await burnerOn(env.host.b1, 'burn-a'), await burnerOn(env.host.b1, 'burn-b')];
    // Heartbeats (1 s here) must show the load: a few busy samples per guest.
    for (const vmId of burners)
      await waitFor(
        `${vmId} busy in heartbeats`,
        async () => (await db().metricSample.count({ where: { vmId, cpuPct: { gt: 20 } } })) >= 5,
        120_000,
        500,
      );

    // Thresholds at 100 %: the move must come from the imbalance itself (how much CPU a TCG burner
    // gets depends on what else the machine runs). No cooldown: only the planner's hysteresis may
    // keep the moved VM from coming back.
    await updatePolicy(admin, {
      mode: 'recommend',
      intervalSec: 300,
      cpuThresholdPct: 100,
      memThresholdPct: 100,
      maxConcurrent: 1,
      cooldownMin: 0,
      excludedVmIds: [],
      rules: [],
    });
    const run = await runBalancer(admin);
    const load = (hosts: typeof run.hostsBefore, id: string) => hosts.find((h) => h.hostId === id)!;
    console.log(
      `imbalance ${run.imbalanceBefore.toFixed(3)} -> ${run.imbalanceAfter.toFixed(3)}; b1 CPU ${load(run.hostsBefore, env.host.b1.hostId).cpuPct}% -> ${load(run.hostsAfter, env.host.b1.hostId).cpuPct}%`,
    );
    expect(run.recommendations).toHaveLength(1);
    const rec = run.recommendations[0];
    expect(rec).toMatchObject({ sourceHostId: env.host.b1.hostId, targetHostId: env.host.b2.hostId, state: 'pending' });
    expect(burners).toContain(rec.vmId);
    expect(rec.gain).toBeGreaterThan(0);
    expect(load(run.hostsAfter, env.host.b1.hostId).cpuPct).toBeLessThan(
      load(run.hostsBefore, env.host.b1.hostId).cpuPct,
    );
    expect(load(run.hostsAfter, env.host.b2.hostId).cpuPct).toBeGreaterThan(
      load(run.hostsBefore, env.host.b2.hostId).cpuPct,
    );

    const { taskId, migrationId } = await applyRecommendation(admin, rec.id);
    const t = await settled(taskId, 600_000);
    expect(t.state, t.error?.message).toBe('succeeded');
    expect(await db().vm.findUniqueOrThrow({ where: { id: rec.vmId } })).toMatchObject({
      hostId: env.host.b2.hostId,
      state: 'running',
    });
    expect(await db().migration.findUniqueOrThrow({ where: { id: migrationId } })).toMatchObject({
      reason: 'balancer',
      state: 'succeeded',
    });
    // Still burning on its new host: the guest itself moved, not a fresh one.
    await ask(env.host.b2.client, rec.vmId, 'status', /^VMOPS-STATUS .*burn=1/);

    // Fresh heartbeats from both hosts, then a second run: balanced now, nothing to move.
    const since = new Date();
    await waitFor(
      'new samples of the moved VM',
      async () =>
        (await db().metricSample.count({ where: { vmId: rec.vmId, hostId: env.host.b2.hostId, at: { gt: since } } })) >=
        3,
      60_000,
      500,
    );
    const again = await runBalancer(admin);
    expect(again.recommendations).toEqual([]);
  });
});
