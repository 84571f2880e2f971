// A valid input for every exported input schema (lib/domain/**/schemas.ts, and the agents' enroll and
// heartbeat bodies), by export name, aimed
// at the bad-input world's ids: the bad-input suites start from these and spoil one field at a
// time, so hostile values also reach the services, not only the schema. A new schema needs an
// entry here (schemas.test.ts says so).
import type { World } from './bad-input-world';

export function validInputs(w: World): Record<string, unknown> {
  const retention = { keepLast: 3, daily: 7, weekly: 4, monthly: 6, yearly: 1 };
  const agentInfo = {
    hostName: 'h1',
    agentVersion: '1.0.0',
    driver: 'qemu',
    qemuVersion: '8.2.2',
    accelerator: 'tcg',
    acceleratorReason: 'no /dev/kvm',
    cpuCount: 2,
    cpuModel: 'test cpu',
    memoryTotalBytes: 2 ** 34,
    kernel: '6.1.0',
    pools: [{ name: 'local', kind: 'local', path: '/var/lib/vmops/pool', totalBytes: 2 ** 36, freeBytes: 2 ** 35 }],
  };
  return {
    // backups
    createRepositorySchema: {
      name: 'second-repo',
      kind: 'host',
      hostId: w.hostId,
      path: '/srv/backups-2',
      create: true,
    },
    updateRepositorySchema: { name: 'renamed-repo', recheck: true },
    retentionSchema: retention,
    createJobSchema: {
      name: 'hourly',
      enabled: true,
      repositoryId: w.repositoryId,
      selector: { vmIds: [w.vmId], tags: ['web'] },
      schedule: '0 * * * *',
      timezone: 'Europe/Paris',
      retention,
      concurrency: 2,
      verifySchedule: '0 5 * * 0',
    },
    updateJobSchema: {
      name: 'nightly-2',
      enabled: false,
      selector: { vmIds: [w.vmId], tags: [] },
      schedule: '0 4 * * *',
      timezone: 'UTC',
      retention,
      concurrency: 1,
      verifySchedule: null,
    },
    previewSchema: { schedule: '0 3 * * *', timezone: 'UTC', retention, jobId: w.jobId },
    verifyPointSchema: { boot: true },
    // The restore points list's query (as the URL's strings).
    restorePointsQuerySchema: {
      vmId: w.vmId,
      q: 'web',
      jobId: w.jobId,
      repositoryId: w.repositoryId,
      hostId: w.hostId,
      kind: 'full',
      verifyState: 'ok',
      from: '2026-01-01T00:00:00Z',
      to: '2026-12-31T00:00:00+01:00',
      sort: 'size',
      order: 'asc',
      limit: '50',
      cursor: w.pointId,
    },
    selectorSchema: { vmIds: [w.vmId], tags: ['web'] },
    cronField: '0 3 * * *',
    timezoneField: 'Europe/Paris',
    // balancer
    ruleSchema: {
      id: 'r1',
      name: 'web on h1',
      tag: 'web',
      kind: 'vm-host-affinity',
      hostIds: [w.hostId],
      strength: 'should',
    },
    balancerPolicySchema: {
      mode: 'recommend',
      intervalSec: 300,
      cpuThresholdPct: 80,
      memThresholdPct: 85,
      maxConcurrent: 2,
      cooldownMin: 30,
      excludedVmIds: [w.vmId],
      rules: [{ id: 'r1', name: 'spread web', tag: 'web', kind: 'vm-vm-anti-affinity' }],
    },
    // disaster recovery
    createReplicationJobSchema: {
      vmId: w.vmId,
      targetHostId: w.drHostId,
      intervalSec: 60,
      keepPoints: 8,
      rpoTargetSec: 120,
    },
    updateReplicationJobSchema: { intervalSec: 30, keepPoints: 4, rpoTargetSec: 90, enabled: true, fullNext: true },
    // The world's replica point (a fixed id: the point id format is checked by the schema).
    drFailoverSchema: { planned: false, pointId: 'rpl-000000000001' },
    drTestFailoverSchema: { pointId: 'rpl-000000000001' },
    drFailbackSchema: { action: 'start' },
    createFailoverPlanSchema: { name: 'site-b', members: [{ vmId: 'vm-dr-protected', order: 1 }] },
    updateFailoverPlanSchema: { name: 'site-a2', members: [{ vmId: 'vm-dr-protected', order: 2 }] },
    runFailoverPlanSchema: { kind: 'test' },
    // hosts, images
    enrollmentTokenSchema: { hostName: 'h3' },
    // The host list's query (as the URL's strings).
    hostsQuerySchema: { q: 'h', site: 'main', status: 'online', sort: 'cpu', order: 'asc', limit: '50' },
    importImageSchema: {
      name: 'alpine',
      version: '3.20',
      description: 'small',
      disk: '/srv/images/alpine.qcow2',
      kernel: 'https://example.invalid/vmlinux',
      sha256: 'b'.repeat(64),
      hostId: w.hostId,
    },
    // migrations, maintenance
    migrateVmSchema: { targetHostId: w.targetHostId },
    hostMaintenanceSchema: { enabled: true, bringBack: false },
    queueMigrationSchema: { vmId: w.vmId, targetHostId: w.targetHostId, reason: 'manual' },
    // high availability
    haPolicySchema: {
      enabled: true,
      admission: 'tolerate',
      hostFailuresToTolerate: 1,
      failoverHostIds: [w.targetHostId],
      edacThreshold: 100,
    },
    vmHaSchema: { enabled: false, priority: 'high', order: 3 },
    failoverSchema: { targetHostId: w.targetHostId },
    // restores
    restoreRequestSchema: { mode: 'new', name: 'web-01-copy', hostId: w.hostId, instant: false },
    // snapshots, checkpoints, linked clones, group checkpoints, snapshot schedules
    takeSnapshotSchema: { name: 'before upgrade', description: 'kernel 6.1 -> 6.6', memory: true },
    cloneSnapshotSchema: { name: 'web-01-clone', start: true },
    createGroupSchema: { name: 'web tier', memory: true, vmIds: [w.vmId], tags: ['web'] },
    scheduleSchema: {
      name: 'hourly-snaps',
      enabled: true,
      selector: { vmIds: [w.vmId], tags: ['web'] },
      memory: false,
      schedule: '0 * * * *',
      timezone: 'Europe/Paris',
      keep: 5,
    },
    // users
    createUserSchema: { username: 'newbie', name: 'New Bie', role: 'viewer', password: 'correct horse battery' },
    updateUserSchema: { role: 'viewer', disabled: false, name: 'Olga O.' },
    resetPasswordSchema: { password: 'correct horse battery' },
    // vms
    createVmSchema: {
      name: 'web-02',
      imageId: w.imageId,
      hostId: w.hostId,
      vcpus: 2,
      memoryMiB: 512,
      diskSizeGiB: 2,
      pool: 'shared',
      haEnabled: true,
      tags: ['web'],
    },
    vmActionSchema: 'start',
    // The VM list's query (as the URL's strings) and its count's.
    listVmsQuerySchema: {
      q: 'web',
      state: 'running',
      hostId: w.hostId,
      site: 'main',
      ids: `${w.vmId},vm-0001`,
      tags: 'web,db',
      sort: 'created',
      order: 'asc',
      limit: '50',
      cursor: w.vmId,
    },
    countVmsQuerySchema: { q: 'web', state: 'stopped', site: 'main', tags: 'web' },
    // agents -> dashboard (lib/agent-protocol/core.ts): enrollment and heartbeats
    enrollRequestSchema: { token: 'f'.repeat(48), name: 'h3', agentUrl: 'http://127.0.0.1:7103', info: agentInfo },
    heartbeatSchema: {
      at: new Date().toISOString(),
      info: agentInfo,
      host: { cpuPct: 10, memUsedBytes: 2 ** 30, memTotalBytes: 2 ** 34, load1: 0.5, load5: 0.4, load15: 0.3 },
      vms: [
        {
          id: w.vmId,
          state: 'running',
          guestReady: true,
          cpuPct: 5,
          rssBytes: 2 ** 28,
          diskRdBytes: 1024,
          diskWrBytes: 2048,
          diskRdOps: 3,
          diskWrOps: 4,
        },
      ],
    },
  };
}

/** Input schemas that come from the URL (query strings, route params) rather than a JSON body. */
export const isUrlSchemaName = (name: string): boolean => /(Query|Param)Schema$/.test(name);
