import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { admin, clearTables, operator, seedHost, seedImage, seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { parseInput } from '@/lib/http/validation';
import { restoreRequestSchema, type RestoreRequestInput } from './schemas';
import { restorePoint } from './service';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const req = (input: RestoreRequestInput) => parseInput(restoreRequestSchema, input);

beforeEach(async () => {
  await clearTables(
    'taskStep',
    'task',
    'restorePoint',
    'backupRepository',
    'vm',
    'auditEvent',
    'image',
    'host',
    'user',
  );
  await seedUsers();
});

async function seedPoint(opts: {
  hostId: string;
  repo?: { kind: 'shared' | 'host'; hostId?: string };
  vmId?: string;
  kind?: string;
  imageId?: string | null;
}) {
  const repo = opts.repo
    ? await db().backupRepository.create({
        data: {
          name: `repo-${opts.repo.kind}-${Math.random().toString(36).slice(2)}`,
          kind: opts.repo.kind,
          hostId: opts.repo.hostId,
          path: '/backups',
        },
      })
    : null;
  return db().restorePoint.create({
    data: {
      vmId: opts.vmId ?? 'vm-gone',
      vmName: 'web',
      hostId: opts.hostId,
      repositoryId: repo?.id,
      kind: opts.kind ?? 'full',
      chainId: 'c1',
      filePath: '/backups/p1.qcow2',
      sha256: 'a'.repeat(64),
      sizeBytes: 10n,
      virtualSizeBytes: BigInt(2 * 1024 ** 3),
      takenAt: new Date('2026-11-20T10:00:00Z'),
      vmSpec: JSON.stringify({
        vcpus: 2,
        memoryMiB: 256,
        boot: { kernelPath: '/img/vmlinux' },
        imageId: opts.imageId ?? null,
        tags: ['web'],
      }),
    },
  });
}

describe('restoreRequestSchema', () => {
  it('asks for a name for a new VM and for the typed name when replacing, refuses unknown fields', () => {
    expect(() => req({ mode: 'new', instant: true })).toThrow(
      expect.objectContaining({ data: { fields: { name: ['Name the new VM'] } } }),
    );
    expect(() => req({ mode: 'replace', instant: false })).toThrow(
      expect.objectContaining({ data: { fields: { confirmName: ["Type the VM's name to confirm"] } } }),
    );
    expect(() => req({ mode: 'new', name: 'Bad Name', instant: false })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => req({ mode: 'new', name: 'ok-name', instant: false, extra: 1 } as RestoreRequestInput)).toThrow(
      expect.objectContaining({ data: { fields: { extra: ['unknown field'] } } }),
    );
    expect(req({ mode: 'new', name: 'ok-name', instant: true })).toMatchObject({ hostId: 'best' });
  });
});

describe('restorePoint as a new VM', () => {
  it('places on the best host, registers the VM from the point spec in provisioning and queues vm.restore', async () => {
    await seedHost('h1', { freeGiB: 2 });
    const h2 = await seedHost('h2', { freeGiB: 6 });
    const image = await seedImage();
    const p = await seedPoint({ hostId: h2.id, repo: { kind: 'shared' }, imageId: image.id });
    const r = await restorePoint(operator, p.id, req({ mode: 'new', name: 'web-restored', instant: true }));
    const vm = await db().vm.findUniqueOrThrow({ where: { id: r.vmId } });
    expect(vm).toMatchObject({
      name: 'web-restored',
      hostId: h2.id,
      state: 'provisioning',
      vcpus: 2,
      memoryMiB: 256,
      diskSizeBytes: BigInt(2 * 1024 ** 3),
      imageId: image.id,
      tags: '["web"]',
    });
    const task = await db().task.findUniqueOrThrow({ where: { id: r.taskId } });
    expect(task).toMatchObject({ kind: 'vm.restore', targetId: r.vmId, state: 'queued' });
    expect(JSON.parse(task.payload)).toEqual({ vmId: r.vmId, pointId: p.id, mode: 'new', instant: true });
    expect((await db().auditEvent.findMany()).map((a) => [a.action, a.result])).toEqual([['vm.restore', 'accepted']]);
  });

  it("a shared repository's restore on 'best' stays in the backed-up VM's site, and says which", async () => {
    const h1 = await seedHost('h1', { freeGiB: 2 });
    const dr1 = await db().host.update({
      where: { id: (await seedHost('dr1', { freeGiB: 12 })).id },
      data: { site: 'dr' },
    });
    const p = await seedPoint({ hostId: h1.id, repo: { kind: 'shared' } });
    const r = await restorePoint(admin, p.id, req({ mode: 'new', name: 'x-1', instant: false }));
    expect((await db().vm.findUniqueOrThrow({ where: { id: r.vmId } })).hostId).toBe(h1.id);
    expect((await db().task.findUniqueOrThrow({ where: { id: r.taskId } })).title).toMatch(/on h1 \(site main\)/);
    expect((await db().auditEvent.findFirstOrThrow({ where: { action: 'vm.restore' } })).detail).toContain(
      '"site":"main"',
    );
    await expect(
      restorePoint(admin, p.id, req({ mode: 'new', name: 'x-2', hostId: dr1.id, instant: false })),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: "Restore point of web lives in site main (its VM's); host dr1 is in site dr",
    });
  });

  it('a host repository pins the restore to its host; another host is a 422 on hostId', async () => {
    const h1 = await seedHost('h1', { freeGiB: 2 });
    const h2 = await seedHost('h2', { freeGiB: 6 });
    const p = await seedPoint({ hostId: h1.id, repo: { kind: 'host', hostId: h1.id } });
    await expect(
      restorePoint(admin, p.id, req({ mode: 'new', name: 'x-1', hostId: h2.id, instant: false })),
    ).rejects.toMatchObject({
      status: 422,
      data: { fields: { hostId: ["Only host h1 can read this restore point's file"] } },
    });
    const r = await restorePoint(admin, p.id, req({ mode: 'new', name: 'x-1', instant: false }));
    expect((await db().vm.findUniqueOrThrow({ where: { id: r.vmId } })).hostId).toBe(h1.id);
  });

  it('refuses a taken name (422), a viewer (403, audited), a missing point (404) and a safety point (409)', async () => {
    const h1 = await seedHost('h1');
    const p = await seedPoint({ hostId: h1.id, repo: { kind: 'shared' } });
    await restorePoint(admin, p.id, req({ mode: 'new', name: 'taken', instant: false }));
    await expect(restorePoint(admin, p.id, req({ mode: 'new', name: 'taken', instant: false }))).rejects.toMatchObject({
      status: 422,
      data: { fields: { name: ['A VM named "taken" already exists'] } },
    });
    await expect(restorePoint(viewer, p.id, req({ mode: 'new', name: 'v-1', instant: false }))).rejects.toMatchObject({
      status: 403,
    });
    expect(await db().auditEvent.count({ where: { result: 'denied', action: 'vm.restore' } })).toBe(1);
    await expect(restorePoint(admin, 'nope', req({ mode: 'new', name: 'n-1', instant: false }))).rejects.toMatchObject({
      status: 404,
    });
    const s = await seedPoint({ hostId: h1.id, kind: 'safety' });
    await expect(restorePoint(admin, s.id, req({ mode: 'new', name: 's-1', instant: false }))).rejects.toMatchObject({
      status: 409,
    });
  });
});

describe('restorePoint from a point whose verification failed', () => {
  it('refuses with a coded 409 (audited as denied) unless the request accepts it, for both modes', async () => {
    const h1 = await seedHost('h1');
    await db().vm.create({
      data: {
        id: 'vm-web',
        name: 'web',
        hostId: h1.id,
        state: 'stopped',
        vcpus: 1,
        memoryMiB: 128,
        diskSizeBytes: 64n,
      },
    });
    for (const [verifyState, what] of [
      ['failed', 'verification'],
      ['boot-failed', 'boot check'],
    ] as const) {
      const p = await seedPoint({ hostId: h1.id, repo: { kind: 'shared' }, vmId: 'vm-web' });
      await db().restorePoint.update({ where: { id: p.id }, data: { verifyState, verifyMessage: 'sha256 differs' } });
      for (const input of [
        { mode: 'new', name: `n-${verifyState}`, instant: false },
        { mode: 'replace', confirmName: 'web', instant: false },
      ] as const) {
        const err = await restorePoint(operator, p.id, req(input)).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'FAILED_VERIFICATION', status: 409, data: { pointId: p.id, verifyState } });
        expect((err as Error).message).toContain(`failed its last ${what} (sha256 differs)`);
        await expect(
          restorePoint(operator, p.id, req({ ...input, acceptFailedVerification: false })),
        ).rejects.toMatchObject({ code: 'FAILED_VERIFICATION' });
      }
    }
    const denied = await db().auditEvent.findMany({ where: { result: 'denied' } });
    expect(denied).toHaveLength(8);
    expect(
      denied.every(
        (a) =>
          a.action === 'vm.restore' &&
          a.targetType === 'restore-point' &&
          JSON.parse(a.detail).reason === 'failed verification not accepted',
      ),
    ).toBe(true);
    expect(await db().task.count()).toBe(0);

    // Accepted explicitly: restored, and the accepted audit says what was overridden.
    const [p] = await db().restorePoint.findMany({ where: { verifyState: 'boot-failed' } });
    const r = await restorePoint(
      operator,
      p.id,
      req({ mode: 'new', name: 'anyway', instant: false, acceptFailedVerification: true }),
    );
    const audit = await db().auditEvent.findFirstOrThrow({ where: { result: 'accepted' } });
    expect(JSON.parse(audit.detail)).toMatchObject({ taskId: r.taskId, acceptedFailedVerification: 'boot-failed' });
    // Unverified and passed points need no acceptance.
    await db().restorePoint.update({ where: { id: p.id }, data: { verifyState: 'boot-ok' } });
    await expect(
      restorePoint(operator, p.id, req({ mode: 'new', name: 'fine', instant: false })),
    ).resolves.toMatchObject({ taskId: expect.any(String) });
  });
});

describe('restorePoint replacing the VM', () => {
  async function seedVm(hostId: string, state = 'running') {
    return db().vm.create({
      data: { id: 'vm-web', name: 'web', hostId, state, vcpus: 1, memoryMiB: 128, diskSizeBytes: 64n },
    });
  }

  it('needs the exact VM name, then moves the VM to stopping and queues the task with its previous state', async () => {
    const h1 = await seedHost('h1');
    await seedVm(h1.id);
    const p = await seedPoint({ hostId: h1.id, repo: { kind: 'shared' }, vmId: 'vm-web' });
    await expect(
      restorePoint(admin, p.id, req({ mode: 'replace', confirmName: 'Web', instant: false })),
    ).rejects.toMatchObject({ status: 422, data: { fields: { confirmName: ["Type the VM's name, web, exactly"] } } });
    const r = await restorePoint(admin, p.id, req({ mode: 'replace', confirmName: 'web', instant: false }));
    expect(r.vmId).toBe('vm-web');
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-web' } })).state).toBe('stopping');
    expect(JSON.parse((await db().task.findUniqueOrThrow({ where: { id: r.taskId } })).payload)).toMatchObject({
      mode: 'replace',
      previousState: 'running',
    });
    // A second restore while the first is queued: busy.
    await expect(
      restorePoint(admin, p.id, req({ mode: 'replace', confirmName: 'web', instant: false })),
    ).rejects.toMatchObject({ status: 409 });
  });

  it('refuses when the VM is gone (404), its host offline (503) or unable to read the file (409)', async () => {
    const h1 = await seedHost('h1');
    const off = await seedHost('h2', { online: false });
    const gone = await seedPoint({ hostId: h1.id, repo: { kind: 'shared' } });
    await expect(
      restorePoint(admin, gone.id, req({ mode: 'replace', confirmName: 'web', instant: false })),
    ).rejects.toMatchObject({ status: 404 });
    await seedVm(off.id, 'stopped');
    const p = await seedPoint({ hostId: off.id, repo: { kind: 'shared' }, vmId: 'vm-web' });
    await expect(
      restorePoint(admin, p.id, req({ mode: 'replace', confirmName: 'web', instant: false })),
    ).rejects.toMatchObject({ status: 503 });
    await db().vm.update({ where: { id: 'vm-web' }, data: { hostId: h1.id } });
    const pinned = await seedPoint({ hostId: off.id, repo: { kind: 'host', hostId: off.id }, vmId: 'vm-web' });
    await expect(
      restorePoint(admin, pinned.id, req({ mode: 'replace', confirmName: 'web', instant: false })),
    ).rejects.toMatchObject({ status: 409 });
  });
});
