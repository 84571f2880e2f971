import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient, type AgentClient } from '@/lib/agent-client';
import { startTestAgent } from '@/lib/testing/agents';
import { type FakeDashboard, startFakeDashboard } from '@/lib/testing/fake-dashboard';
import { tempDir } from '@/lib/testing/temp-dir';

let dash: FakeDashboard;
let h: Awaited<ReturnType<typeof startTestAgent>>;
let c: AgentClient;
let dir: Awaited<ReturnType<typeof tempDir>>;
const manifest = { vmName: 'sim', vmSpec: { vcpus: 1, memoryMiB: 128, boot: {}, imageId: null, tags: [] } };

beforeAll(async () => {
  dash = await startFakeDashboard();
  h = await startTestAgent({ dashboard: dash });
  c = createAgentClient({ baseUrl: h.baseUrl, secret: await h.secret(), hostName: 'h1' });
  dir = await tempDir('vmops-backup-routes-');
});
afterAll(async () => {
  await h.stop();
  await dash.close();
  await dir.remove();
});

describe('agent backup routes (simulated driver)', () => {
  it('answers 501 NOT_SUPPORTED for backups without QEMU', async () => {
    await expect(
      c.backupVm('sim-vm', { pointId: 'rp-000000000001', targetDir: dir.path, bitmap: 'bm', parent: null, manifest }),
    ).rejects.toMatchObject({ code: 'NOT_SUPPORTED', status: 501 });
  });

  it('refuses bad input with field messages (422)', async () => {
    const err = await c
      .backupVm('sim-vm', { pointId: '../evil', targetDir: 'rel', bitmap: 'bm', parent: null, manifest })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', status: 422 });
    expect(Object.keys((err as { data: { fields: object } }).data.fields).sort()).toEqual(['pointId', 'targetDir']);
    await expect(c.deleteBackupFiles({ paths: ['/etc/passwd'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      data: { fields: { 'paths.0': ['only restore point files (.qcow2, .json or their .partial)'] } },
    });
  });

  it('verifies only .qcow2 files inside the repository named, never a VM disk (422 before anything is read)', async () => {
    const sha256 = 'a'.repeat(64);
    const repo = path.join(dir.path, 'repo');
    const fields = (e: unknown) => (e as { data: { fields: Record<string, string[]> } }).data.fields;
    let err = await c
      .verifyBackupFiles({
        repository: repo,
        files: [
          { path: path.join(repo, 'vm1', 'rp-0123456789ab.qcow2'), sha256 },
          { path: path.join(dir.path, 'elsewhere.qcow2'), sha256 },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', status: 422 });
    expect(fields(err)).toEqual({ 'files.1.path': [`must be a file inside the repository ${repo}`] });
    err = await c
      .verifyBackupFiles({ repository: repo, files: [{ path: path.join(repo, '..', 'repo-x', 'a.qcow2'), sha256 }] })
      .catch((e: unknown) => e);
    expect(fields(err)).toEqual({ 'files.0.path': [`must be a file inside the repository ${repo}`] });
    err = await c
      .verifyBackupFiles({ repository: repo, files: [{ path: '/etc/shadow', sha256 }] })
      .catch((e: unknown) => e);
    expect(fields(err)).toEqual({ 'files.0.path': ['must be a .qcow2 file'] });
    err = await c
      .verifyBackupFiles({ files: [{ path: path.join(repo, 'a.qcow2'), sha256 }] } as never)
      .catch((e: unknown) => e);
    expect(Object.keys(fields(err))).toEqual(['repository']);
    // A repository "named" around the VM pool does not make its disks backup files.
    const pool = h.config.pools[0].path;
    err = await c
      .verifyBackupFiles({ repository: pool, files: [{ path: path.join(pool, 'vms', 'vm1', 'disk0.qcow2'), sha256 }] })
      .catch((e: unknown) => e);
    expect(fields(err)).toEqual({ repository: [`${pool} is this host's VM pool local (${pool})`] });
    // Inside a repository, only restore point files: not a disk someone copied or linked there.
    err = await c
      .verifyBackupFiles({ repository: repo, files: [{ path: path.join(repo, 'vm1', 'disk0.qcow2'), sha256 }] })
      .catch((e: unknown) => e);
    expect(fields(err)).toEqual({
      'files.0.path': ['is not a restore point file (rp-<12 hex>.qcow2 or .json, or its .partial)'],
    });
    // A request that passes the checks gets as far as the driver: no QEMU here.
    await expect(
      c.verifyBackupFiles({
        repository: repo,
        files: [{ path: path.join(repo, 'vm1', 'rp-0123456789ab.qcow2'), sha256 }],
      }),
    ).rejects.toMatchObject({ code: 'NOT_SUPPORTED', status: 501 });
  });

  it('checks and creates a repository directory', async () => {
    const repo = path.join(dir.path, 'repo');
    expect(await c.checkRepository({ path: repo, create: false })).toMatchObject({ exists: false, writable: false });
    const st = await c.checkRepository({ path: repo, create: true });
    expect(st).toMatchObject({
      exists: true,
      writable: true,
      usedBytes: 0,
      usedBytesPartial: false,
      resolvedPath: repo,
    });
    expect(st.totalBytes).toBeGreaterThanOrEqual(st.freeBytes);
  });
});
