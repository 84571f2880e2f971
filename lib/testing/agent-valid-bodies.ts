// A valid JSON body for every agent route that reads one ("METHOD /pattern"), for the agent's
// bad-input suite (lib/agent/hostile-suite.ts), which spoils one field at a time. Files named here do
// not exist, so even an accepted body changes nothing; the suite fails when a route that reads a
// body has no entry, or an entry names no route.
const MiB = 1024 * 1024;

export function validAgentBodies(dirs: { data: string; shared: string }): Record<string, unknown> {
  const repo = `${dirs.shared}/backup-repo`;
  const point = `${repo}/vm-nope-0001/rp-0123456789ab.qcow2`;
  const boot = {
    kernelPath: `${dirs.shared}/images/none/1/vmlinux`,
    initrdPath: `${dirs.shared}/images/none/1/initrd.gz`,
    append: 'console=ttyS0',
  };
  // 1 TiB: valid, but no host has it, so even with QEMU nothing is started or created.
  const vm = { id: 'vm-hostile-01', name: 'hostile', vcpus: 1, memoryMiB: 1024 * 1024, pool: 'local', boot };
  return {
    'POST /v1/vms': {
      ...vm,
      diskSizeBytes: 64 * MiB,
      baseImagePath: `${dirs.shared}/images/none/1/disk.qcow2`,
      start: false,
    },
    'POST /v1/vms/:id/stop': { force: false, timeoutSec: 60 },
    'POST /v1/vms/:id/serial': { line: 'status' },
    'POST /v1/images/check-sources': {
      disk: { path: `${dirs.shared}/image-store/none.qcow2` },
      kernel: { url: 'http://127.0.0.1:9/vmlinux' },
    },
    'POST /v1/images/import': {
      name: 'none',
      version: '1',
      description: 'x',
      disk: { path: `${dirs.shared}/image-store/none.qcow2` },
      append: 'console=ttyS0',
      sha256: 'a'.repeat(64),
      minMemoryMiB: 64,
    },
    'POST /v1/vms/:id/backup': {
      pointId: 'rp-0123456789ab',
      targetDir: `${repo}/vm-nope-0001`,
      bitmap: 'vmops-job-1',
      parent: { path: point.replace('0123456789ab', 'ba9876543210') },
      forceFull: false,
      registered: [point],
      manifest: { vmName: 'hostile', vmSpec: { vcpus: 1, memoryMiB: 64, boot, imageId: null, tags: ['web'] } },
    },
    'POST /v1/backups/verify': { repository: repo, files: [{ path: point, sha256: 'a'.repeat(64) }] },
    'POST /v1/backups/delete': { paths: [point] },
    'POST /v1/backups/rebase': { path: point, backingPath: null },
    'POST /v1/backups/repository': { path: repo, create: false },
    'POST /v1/restores': { vm, sourcePath: point, mode: 'copy', start: false },
    'POST /v1/vms/:id/replace-disk': { sourcePath: point, instant: false },
    'POST /v1/vms/:id/safety/discard': { safetyPath: `${dirs.data}/pool/vms/vm-nope-0001/disk0.safety-x.qcow2` },
    'POST /v1/vms/:id/safety/revert': { safetyPath: `${dirs.data}/pool/vms/vm-nope-0001/disk0.safety-x.qcow2` },
    'POST /v1/migrations/incoming': {
      vm: { ...vm, diskSizeBytes: 64 * MiB, diskPath: null, backingPath: null },
      mode: 'storage',
    },
    'POST /v1/migrations/incoming/:id/finish': { guestReady: true },
    'POST /v1/vms/:id/migrate': {
      migrationUri: 'tcp:127.0.0.1:4444',
      nbd: { host: '127.0.0.1', port: 10809, exportName: 'vmops-mig-export', backingPath: null },
      mode: 'storage',
      downtimeLimitMs: 300,
      maxBandwidthBytes: MiB,
    },
    'POST /v1/vms/:id/migrate/finish': { mode: 'shared' },
    // Port 9 (discard) refuses: the probe QEMU the send starts fails at once and is removed.
    'POST /v1/probe/incoming': {},
    'POST /v1/probe/send': { migrationUri: 'tcp:127.0.0.1:9' },
    'POST /v1/probe/incoming/:probeId/finish': {},
    'POST /v1/vms/:id/points': { id: 'pt-hostile-01', kind: 'memory' },
    'POST /v1/vms/:id/points/:pointId/revert': {},
    'POST /v1/vms/:id/points/:pointId/clone': {
      vm: { id: 'vm-hostile-02', name: 'hostile clone', vcpus: 1, memoryMiB: 1024 * 1024, boot },
      start: false,
    },
    'POST /v1/vms/:id/detach': {},
    // No such VM: every group call is refused before anything is paused or reverted.
    'POST /v1/points/group/prepare': {
      groupId: 'grp-hostile-01',
      vmIds: ['vm-nope-0001'],
      holdMs: 1000,
      prepare: { kind: 'disk', items: [{ vmId: 'vm-nope-0001', pointId: 'pt-hostile-01' }] },
    },
    'POST /v1/points/group/pause': {
      groupId: 'grp-hostile-01',
      vmIds: ['vm-nope-0001'],
      holdMs: 1000,
      prepare: { kind: 'memory', items: [{ vmId: 'vm-nope-0001', pointId: 'pt-hostile-01' }] },
    },
    'POST /v1/points/group/capture': {
      groupId: 'grp-hostile-01',
      kind: 'memory',
      items: [{ vmId: 'vm-nope-0001', pointId: 'pt-hostile-01' }],
    },
    'POST /v1/points/group/resume': { groupId: 'grp-hostile-01', vmIds: ['vm-nope-0001'] },
    'POST /v1/points/group/revert': {
      groupId: 'grp-hostile-01',
      items: [{ vmId: 'vm-nope-0001', pointId: 'pt-hostile-01' }],
      resume: false,
    },
    // No such VM in the shared pool (404), and h9's lease was never seen (409 LEASE_HELD).
    'POST /v1/ha/takeover': { vmId: 'vm-nope-0001', fromHost: 'h9' },
    // No such VM (404) before anything connects; port 9 (discard) would refuse anyway.
    'POST /v1/vms/:id/replication/send': {
      jobId: 'job-hostile-01',
      pointId: 'rpl-0123456789ab',
      basePointId: null,
      target: { host: '127.0.0.1', port: 9, export: 'hostile-export-01' },
      full: true,
    },
    // Replica target routes: no replica vm-nope-0001 (404); the define's spec.id differs from the
    // path's id (409), so nothing is created.
    'PUT /v1/replicas/:id': {
      spec: { ...vm, memoryMiB: 64 },
      sourceVmId: 'vm-nope-0002',
      jobId: 'job-hostile-01',
      virtualSizeBytes: 64 * MiB,
    },
    'POST /v1/replicas/:id/receive': { pointId: 'rpl-0123456789ab', full: true },
    'POST /v1/replicas/:id/receive/:pointId/commit': {
      takenAt: '2026-01-01T00:00:00.000Z',
      kind: 'full',
      fullReason: 'first run',
      bytesSent: 1,
      keep: 8,
    },
    'POST /v1/replicas/:id/failover': { pointId: 'rpl-0123456789ab', start: false },
    'POST /v1/replicas/:id/tests': { pointId: 'rpl-0123456789ab', spec: { id: 'vm-hostile-02', name: 'hostile' } },
    // Failback: no VM / replica vm-nope-0001 (404) before any export, daemon or qemu-nbd starts.
    'POST /v1/vms/:id/replication/export': { expiresInMs: 60_000 },
    'POST /v1/vms/:id/replication/pull': {
      basePointId: 'rpl-0123456789ab',
      source: { host: '127.0.0.1', port: 9, export: 'hostile-export-01' },
    },
    'POST /v1/vms/:id/replication/receive-in-place': { pointId: 'rpl-0123456789ab' },
    'POST /v1/vms/:id/replication/receive-in-place/:pointId/commit': { forwardBasePointId: null },
    'POST /v1/replicas/:id/demote': { pointId: 'rpl-0123456789ab' },
  };
}
