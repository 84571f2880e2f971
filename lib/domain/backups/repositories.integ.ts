// Repository rules against real agents (docs/ARCHITECTURE.md, "Repository rules"): two agent
// processes (QEMU driver) sharing one directory, enrolled with the mini-dashboard. Bad paths are
// refused with a reason, quickly, by the dashboard and by an agent asked directly, while the agent
// keeps answering other requests; good paths are stored resolved; a repository with points goes
// in either mode.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { agentFor } from '@/lib/domain/hosts/agents';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { parseInput } from '@/lib/http/validation';
import { spawnAgent, type AgentProcess } from '@/lib/testing/agents';
import { admin, seedUsers } from '@/lib/testing/fixtures';
import { startMiniDashboard } from '@/lib/testing/mini-dashboard';
import { createTestDb } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';
import { createRepository } from './repositories';
import { deleteRepository } from './repository-removal';
import { createRepositorySchema, type CreateRepositoryInput } from './schemas';
import { freePort } from '@/lib/net/free-port';

const testDb = createTestDb();
const tmp = mkdtempSync(path.join(tmpdir(), 'vmops-repo-rules-'));
const shared = path.join(tmp, 'shared');
const dataOf = (h: string) => path.join(tmp, h);
let dashboard: Awaited<ReturnType<typeof startMiniDashboard>>;
const agents: AgentProcess[] = [];
const hostIds: Record<string, string> = {};
let c1: AgentClient;

const register = async (over: Partial<CreateRepositoryInput>) =>
  createRepository(admin, parseInput(createRepositorySchema, { name: 'repo', kind: 'shared', create: true, ...over }));
const fieldOf = (err: unknown, field = 'path') =>
  (err as { data?: { fields?: Record<string, string[]> } }).data?.fields?.[field]?.[0];
async function refusal(
  work: () => Promise<unknown>,
): Promise<{ status: number; reason: string | undefined; ms: number }> {
  const t0 = Date.now();
  const err = (await work().then(
    () => null,
    (e: unknown) => e,
  )) as { status: number } | null;
  expect(err, 'expected a refusal').not.toBeNull();
  return { status: err!.status, reason: fieldOf(err), ms: Date.now() - t0 };
}

beforeAll(async () => {
  await seedUsers();
  dashboard = await startMiniDashboard();
  for (const name of ['r1', 'r2']) {
    const token = await createEnrollmentToken(name);
    agents.push(
      spawnAgent(
        {
          name,
          port: await freePort(),
          data: dataOf(name),
          shared,
          dashboard: dashboard.url,
          token,
          driver: 'qemu',
          intervalMs: 1000,
        },
        { echo: true },
      ),
    );
    hostIds[name] = (
      await waitFor(
        `${name} to enroll and report its pools`,
        async () => {
          const h = await db().host.findFirst({ where: { name }, include: { pools: true } });
          return h && h.pools.length === 2 ? h : null;
        },
        60_000,
        250,
      )
    ).id;
  }
  c1 = await agentFor(hostIds.r1);
});

afterAll(async () => {
  for (const a of agents) a.child.kill('SIGTERM');
  await dashboard?.close();
  rmSync(tmp, { recursive: true, force: true });
  testDb.cleanup();
});

describe('repository rules against real agents', () => {
  it('refuses system trees, "..", pools, a symlink into a pool and another host\'s data dir, with a reason, quickly, creating nothing', async () => {
    const pool = path.join(dataOf('r1'), 'pool');
    symlinkSync(pool, path.join(tmp, 'to-pool'));
    const cases: [CreateRepositoryInput['path'], Partial<CreateRepositoryInput>, RegExp][] = [
      ['/', {}, /contains the system directory/],
      ['/etc', {}, /\/etc, a system directory/],
      ['/proc/x', {}, /inside \/proc/],
      [`${tmp}/backups/../r1`, {}, /"\.\."/],
      [path.join(pool, 'backups'), {}, /inside the VM pool local of host r1/],
      [path.join(tmp, 'to-pool', 'backups'), {}, /resolves to .*inside this host's VM pool local .*\(on r1\)/],
      [path.join(dataOf('r2'), 'backups'), {}, /inside this host's agent data directory .*\(on r2\)/], // only r2 knows its data dir
      [path.join(shared, 'images', 'backups'), {}, /image repository/],
      [path.join(dataOf('r1'), 'backups'), { kind: 'host', hostId: hostIds.r1 }, /agent data directory .*\(on r1\)/],
    ];
    for (const [p, over, re] of cases) {
      const r = await refusal(() => register({ path: p, ...over }));
      expect(r.status, p).toBe(422);
      expect(r.reason, p).toMatch(re);
      expect(r.ms, p).toBeLessThan(2000);
    }
    expect(
      existsSync('/proc/x') || existsSync(path.join(pool, 'backups')) || existsSync(path.join(dataOf('r2'), 'backups')),
    ).toBe(false);
    expect(await db().backupRepository.count()).toBe(0);
    expect(
      await db().auditEvent.count({ where: { action: 'repository.create', result: 'failed' } }),
    ).toBeGreaterThanOrEqual(5);
  });

  it('the agent asked directly refuses the same (defence in depth) before touching anything', async () => {
    for (const [p, re] of [
      ['/', /system directory/],
      ['/proc/x/y', /inside \/proc/],
      [`${shared}/x/../pool`, /"\.\."/],
      [path.join(shared, 'pool', 'vms'), /VM pool shared/],
      [path.join(tmp, 'to-pool'), /resolves to/],
    ] as const) {
      const r = await refusal(() => c1.checkRepository({ path: p, create: true }));
      expect([r.status, r.reason], p).toEqual([422, expect.stringMatching(re)]);
      expect(r.ms, p).toBeLessThan(1000);
    }
    const r = await refusal(() =>
      c1.deleteBackupFiles({ paths: [path.join(dataOf('r1'), 'pool', 'vms', 'some-vm', 'rp-0123456789ab.qcow2')] }),
    );
    expect(r.status).toBe(422);
  });

  it('stays responsive while slow repository checks run: health within 1 s, a refusal at once, excess checks time out', async () => {
    const big = path.join(tmp, 'big');
    // Async: a caller whose event loop is blocked for seconds is not what this test measures.
    for (let d = 0; d < 4; d++) {
      mkdirSync(path.join(big, `vm-${d}00`), { recursive: true });
      await promisify(execFile)('sh', ['-c', `cd ${path.join(big, `vm-${d}00`)} && seq 1 20000 | xargs touch`]);
    }
    const tc = Date.now();
    const took: number[] = [];
    const checks = Array.from({ length: 6 }, () =>
      c1
        .checkRepository({ path: big, create: false })
        .then(
          (s) => s,
          (e: unknown) => e as Error,
        )
        .finally(() => took.push(Date.now() - tc)),
    );
    const latencies: number[] = [];
    const probe = (async () => {
      for (let i = 0; i < 15; i++) {
        const t0 = Date.now();
        await c1.info();
        latencies.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const t0 = Date.now();
    await expect(c1.checkRepository({ path: '/', create: false })).rejects.toMatchObject({ status: 422 });
    const refusalMs = Date.now() - t0;
    await probe;
    const results = await Promise.all(checks);
    console.log(
      `info latency max ${Math.max(...latencies)} ms (n=${latencies.length}), refusal under load ${refusalMs} ms, checks answered after ${took.join(', ')} ms: ${results.map((r) => ('usedBytesPartial' in r ? `ok partial=${r.usedBytesPartial}` : (r as { code?: string }).code)).join(', ')}`,
    );
    expect(Math.max(...took)).toBeLessThan(8000); // CHECK_MS (5 s) + slack: bounded whatever the tree
    expect(Math.max(...latencies)).toBeLessThan(1000);
    expect(refusalMs).toBeLessThan(1000);
    for (const r of results) {
      if (r instanceof Error) expect(r).toMatchObject({ code: 'TIMEOUT' });
      else expect(r).toMatchObject({ exists: true, usedBytesPartial: true }); // 80 000 entries: over the walk's bound
    }
  });

  it('registers a good path as the agent resolved it; overlapping it either way is then refused', async () => {
    mkdirSync(path.join(tmp, 'real'));
    symlinkSync(path.join(tmp, 'real'), path.join(tmp, 'link'));
    const repo = await register({ name: 'main', path: `${path.join(tmp, 'link', 'backups')}/` });
    expect(repo).toMatchObject({ status: 'ok', path: path.join(tmp, 'real', 'backups') });
    expect(existsSync(path.join(tmp, 'real', 'backups'))).toBe(true);
    expect(
      (await refusal(() => register({ name: 'inner', path: path.join(tmp, 'real', 'backups', 'inner') }))).reason,
    ).toMatch(/inside the backup repository main/);
    expect((await refusal(() => register({ name: 'outer', path: path.join(tmp, 'real') }))).reason).toMatch(
      /contains the backup repository main/,
    );
  });

  it('removes a repository holding points: 409 without a mode or while a job uses it; keepFiles leaves files; deletePoints deletes them', async () => {
    const make = async (name: string) => {
      const repo = await register({ name, path: path.join(tmp, name) });
      const files: string[] = [];
      for (const [i, hex] of ['aaaaaaaaaaaa', 'bbbbbbbbbbbb'].entries()) {
        const file = path.join(repo.path, 'vm-one', `rp-${hex}.qcow2`);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, Buffer.alloc(4096, 1));
        writeFileSync(file.replace(/\.qcow2$/, '.json'), '{}');
        files.push(file);
        await db().restorePoint.create({
          data: {
            id: `rp-${hex}`,
            vmId: 'vm-one',
            vmName: 'one',
            repositoryId: repo.id,
            hostId: hostIds.r1,
            kind: i ? 'incremental' : 'full',
            chainId: 'rp-aaaaaaaaaaaa',
            parentId: i ? 'rp-aaaaaaaaaaaa' : null,
            filePath: file,
            sha256: 'a'.repeat(64),
            sizeBytes: 4096n,
            virtualSizeBytes: 4096n,
            takenAt: new Date(Date.now() + i * 1000),
          },
        });
      }
      return { repo, files };
    };
    const keep = await make('keep');
    const job = await db().backupJob.create({
      data: {
        name: 'nightly',
        repositoryId: keep.repo.id,
        selector: '{"vmIds":["vm-one"],"tags":[]}',
        schedule: '0 2 * * *',
        retention: '{"keepLast":1}',
      },
    });
    await expect(deleteRepository(admin, keep.repo.id, { mode: 'keepFiles' })).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/used by job\(s\) nightly/),
    });
    await db().backupJob.delete({ where: { id: job.id } });
    await expect(deleteRepository(admin, keep.repo.id)).rejects.toMatchObject({
      status: 409,
      data: { points: 2, bytes: 8192 },
    });
    await deleteRepository(admin, keep.repo.id, { mode: 'keepFiles' });
    expect(keep.files.every((f) => existsSync(f))).toBe(true);
    expect(await db().restorePoint.count({ where: { repositoryId: keep.repo.id } })).toBe(0);
    const audit = await db().auditEvent.findFirstOrThrow({
      where: { action: 'repository.delete', targetId: keep.repo.id, result: 'succeeded' },
    });
    expect(JSON.parse(audit.detail)).toMatchObject({
      mode: 'keepFiles',
      points: 2,
      filesLeftIn: [path.join(keep.repo.path, 'vm-one')],
    });

    const del = await make('gone');
    await deleteRepository(admin, del.repo.id, { mode: 'deletePoints' });
    expect(del.files.flatMap((f) => [f, f.replace(/\.qcow2$/, '.json')]).some((f) => existsSync(f))).toBe(false);
    expect(await db().backupRepository.findUnique({ where: { id: del.repo.id } })).toBeNull();
    expect(await db().restorePoint.count()).toBe(0);
  });
});
