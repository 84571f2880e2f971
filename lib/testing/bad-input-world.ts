// One of everything the dashboard API can name (host, VM, image, repository, job, run, point,
// task, migration, balancer recommendation, user), so the bad-input suite can aim at real ids as
// well as hostile ones. Hosts point at a closed port: a request that gets as far as an agent
// meets "unreachable" (503), never a real agent.
import { db } from '@/lib/db/client';
import { admin, operator, seedHost, seedImage, seedUsers, viewer } from './fixtures';

export type World = Record<string, string>; // route param name -> a real id

export async function seedWorld(): Promise<World> {
  await seedUsers();
  const h1 = await seedHost('h1');
  const h2 = await seedHost('h2');
  // Online for the whole run (the suite outlasts the offline threshold), so requests get as far as the agent.
  await db().host.updateMany({ data: { lastHeartbeat: new Date('2100-01-01T00:00:00Z') } });
  await db().balancerPolicy.create({ data: { id: 'cluster', mode: 'recommend' } }); // reads create it lazily otherwise
  const image = await seedImage();
  const vm = await db().vm.create({
    data: {
      id: 'vm-bad-input',
      name: 'web-01',
      hostId: h1.id,
      imageId: image.id,
      state: 'running',
      vcpus: 1,
      memoryMiB: 512,
      diskSizeBytes: BigInt(2 ** 31),
      tags: '["web"]',
    },
  });
  const repo = await db().backupRepository.create({
    data: { name: 'main-repo', kind: 'shared', path: '/srv/backups', status: 'ok' },
  });
  const job = await db().backupJob.create({
    data: {
      name: 'nightly',
      repositoryId: repo.id,
      selector: JSON.stringify({ vmIds: [vm.id], tags: [] }),
      schedule: '0 3 * * *',
      retention: JSON.stringify({ keepLast: 3, daily: 0, weekly: 0, monthly: 0, yearly: 0 }),
    },
  });
  const run = await db().backupRun.create({ data: { jobId: job.id, state: 'succeeded', finishedAt: new Date() } });
  const point = await db().restorePoint.create({
    data: {
      vmId: vm.id,
      vmName: vm.name,
      jobId: job.id,
      runId: run.id,
      repositoryId: repo.id,
      hostId: h1.id,
      kind: 'full',
      chainId: 'chain-1',
      filePath: `/srv/backups/${vm.id}/rp-000000000001.qcow2`,
      sha256: 'a'.repeat(64),
      sizeBytes: BigInt(1 << 20),
      virtualSizeBytes: BigInt(2 ** 31),
      takenAt: new Date(),
      vmSpec: JSON.stringify({ vcpus: 1, memoryMiB: 512, boot: {}, imageId: image.id, tags: ['web'] }),
    },
  });
  const task = await db().task.create({
    data: { kind: 'vm.start', title: 'Start VM web-01', state: 'succeeded', targetType: 'vm', targetId: vm.id },
  });
  const migration = await db().migration.create({
    data: {
      vmId: vm.id,
      vmName: vm.name,
      sourceHostId: h1.id,
      targetHostId: h2.id,
      reason: 'manual',
      mode: 'storage',
      state: 'running',
    },
  });
  const balancerRun = await db().balancerRun.create({
    data: { mode: 'recommend', imbalanceBefore: 0.4, imbalanceAfter: 0.1 },
  });
  const rec = await db().balancerRecommendation.create({
    data: {
      runId: balancerRun.id,
      vmId: vm.id,
      vmName: vm.name,
      sourceHostId: h1.id,
      targetHostId: h2.id,
      gain: 0.3,
      cost: 5,
    },
  });
  const restart = await db().haRestart.create({
    data: { vmId: vm.id, vmName: vm.name, fromHostId: h1.id, reason: 'Waiting for a target host' },
  });
  const group = await db().checkpointGroup.create({
    data: { id: 'cg-000000000001', name: 'web tier', memory: true, vmIds: JSON.stringify([vm.id]), pauseMs: 12 },
  });
  const snapshot = await db().snapshot.create({
    data: {
      id: 'sn-000000000001',
      vmId: vm.id,
      hostId: h1.id,
      name: 'before upgrade',
      memory: false,
      groupId: group.id,
    },
  });
  const schedule = await db().snapshotSchedule.create({
    data: {
      name: 'nightly-snaps',
      selector: JSON.stringify({ vmIds: [vm.id], tags: [] }),
      schedule: '0 2 * * *',
      keep: 3,
    },
  });
  // Disaster recovery: a host of another site, a protected VM with its replica, job and point.
  const drHost = await db().host.update({ where: { id: (await seedHost('dr1')).id }, data: { site: 'dr' } });
  await db().host.updateMany({ data: { lastHeartbeat: new Date('2100-01-01T00:00:00Z') } });
  const vmSpec = { state: 'stopped', vcpus: 1, memoryMiB: 512, diskSizeBytes: BigInt(2 ** 31) };
  await db().vm.create({ data: { id: 'vm-dr-protected', name: 'db-01', hostId: h1.id, ...vmSpec } });
  await db().vm.create({
    data: {
      id: 'r-000000000001',
      name: 'db-01-replica',
      hostId: drHost.id,
      role: 'replica',
      replicaOfId: 'vm-dr-protected',
      ...vmSpec,
    },
  });
  const drJob = await db().replicationJob.create({
    data: {
      vmId: 'vm-dr-protected',
      replicaVmId: 'r-000000000001',
      targetHostId: drHost.id,
      intervalSec: 60,
      keepPoints: 8,
      rpoTargetSec: 120,
      points: { create: { id: 'rpl-000000000001', takenAt: new Date(), kind: 'full', bytesSent: BigInt(1 << 20) } },
    },
  });
  const plan = await db().failoverPlan.create({
    data: { name: 'site-a', members: JSON.stringify([{ vmId: 'vm-dr-protected', order: 0 }]) },
  });
  return {
    planId: plan.id,
    drJobId: drJob.id,
    drHostId: drHost.id,
    restartId: restart.id,
    snapshotId: snapshot.id,
    groupId: group.id,
    scheduleId: schedule.id,
    vmId: vm.id,
    hostId: h1.id,
    targetHostId: h2.id,
    imageId: image.id,
    repositoryId: repo.id,
    jobId: job.id,
    runId: run.id,
    pointId: point.id,
    taskId: task.id,
    migrationId: migration.id,
    recommendationId: rec.id,
    userId: operator.id,
    adminId: admin.id,
    viewerId: viewer.id,
    action: 'stop',
    nextauth: 'callback/credentials', // next-auth's sign-in route: the one that reads a body
  };
}
