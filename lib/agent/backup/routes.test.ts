import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient, type AgentClient } from '@/lib/agent-client';
import { startFakeDashboard, startTestAgent, tempDir, type FakeDashboard } from '../testing';

let dash: FakeDashboard;
let h: Awaited<ReturnType<typeof startTestAgent>>;
let c: AgentClient;
let dir: Awaited<ReturnType<typeof tempDir>>;

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
    await expect(c.backupVm('sim-vm', { pointId: 'p1', targetDir: dir.path, bitmap: 'bm', parent: null })).rejects.toMatchObject({ code: 'NOT_SUPPORTED', status: 501 });
  });

  it('refuses bad input with field messages (422)', async () => {
    const err = await c.backupVm('sim-vm', { pointId: '../evil', targetDir: 'rel', bitmap: 'bm', parent: null }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', status: 422 });
    expect(Object.keys((err as { data: { fields: object } }).data.fields).sort()).toEqual(['pointId', 'targetDir']);
    await expect(c.deleteBackupFiles({ paths: ['/etc/passwd'] })).rejects.toMatchObject({ code: 'INVALID_INPUT', data: { fields: { 'paths.0': ['only .qcow2 or .qcow2.partial backup files'] } } });
  });

  it('checks and creates a repository directory', async () => {
    const repo = path.join(dir.path, 'repo');
    expect(await c.checkRepository({ path: repo, create: false })).toMatchObject({ exists: false, writable: false });
    const st = await c.checkRepository({ path: repo, create: true });
    expect(st).toMatchObject({ exists: true, writable: true, usedBytes: 0 });
    expect(st.totalBytes).toBeGreaterThanOrEqual(st.freeBytes);
  });
});
