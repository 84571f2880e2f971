import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT } from '@/lib/agent-protocol/backup';
import { db } from '@/lib/db/client';
import { clearTables } from '@/lib/testing/fixtures';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { AppError, noSuchObject } from '@/lib/errors';
import { fakeOperation, seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { makeContext } from '../context';
import { backupVerifyHandler } from './backup-verify';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

let agent: FakeAgent | null = null;
beforeEach(async () => {
  await clearTables('taskStep', 'task', 'restorePoint', 'auditEvent', 'storagePool', 'backupRepository', 'host');
});
afterEach(async () => {
  await agent?.close();
  agent = null;
});

const tracked = async (taskId: string) =>
  (
    JSON.parse((await db().task.findUniqueOrThrow({ where: { id: taskId } })).result ?? '{}') as {
      bootCheckVms?: { id: string }[];
    }
  ).bootCheckVms;

describe('backup.verify taken over from a dead worker', () => {
  it('first deletes the boot-check VMs the dead worker left (retrying while the agent restarts), then verifies and tracks its own', async () => {
    const vmSpec = { vcpus: 1, memoryMiB: 128, boot: { kernelPath: '/img/vmlinux' }, imageId: null, tags: [] };
    const deletes: string[] = [];
    let resultWhenCreated: unknown;
    let taskId = '';
    agent = await startFakeAgent({
      // The VM the dead worker started: the restarting agent is unreachable once, then deletes it.
      // The one it had only recorded (never created, or gone with the agent's restart): 404.
      'DELETE /v1/vms/:id': (_b, p) => {
        deletes.push(p.id);
        if (p.id === 'boot-check-dead0001' && deletes.length === 1)
          throw new AppError('AGENT_UNREACHABLE', 'agent restarting', 503);
        if (p.id === 'boot-check-dead0002') throw noSuchObject('VM', p.id);
        return fakeOperation('op-del');
      },
      'POST /v1/backups/verify': () => fakeOperation('op-v', { state: 'running' }),
      'POST /v1/restores': async () => {
        resultWhenCreated = await tracked(taskId);
        return fakeOperation('op-b', { state: 'running' });
      },
      'GET /v1/operations/:id': (_b, p) =>
        fakeOperation(p.id, {
          result:
            p.id === 'op-v'
              ? verifyResult
              : p.id === 'op-del'
                ? null
                : { runningAfterMs: 100, totalMs: 200, diskPath: '/d' },
        }),
      'GET /v1/vms/:id': (_b, p) => ({
        id: p.id,
        name: p.id,
        state: 'running',
        pid: 1,
        pool: 'fast',
        diskPath: '/d',
        startedAt: null,
        vcpus: 1,
        memoryMiB: 128,
        accelerator: 'tcg',
        guestReady: true,
      }),
    });
    const host = await seedFakeAgentHost('h1', agent);
    await db().storagePool.create({
      data: {
        hostId: host.id,
        name: 'fast',
        kind: 'local',
        path: '/fast',
        totalBytes: 10n ** 12n,
        freeBytes: 10n ** 12n,
      },
    });
    const repo = await db().backupRepository.create({ data: { name: 'main', kind: 'shared', path: '/backups' } });
    const takenAt = new Date('2026-01-01T00:00:00Z');
    const point = await db().restorePoint.create({
      data: {
        id: 'rp-0123456789ab',
        vmId: 'vm-a',
        vmName: 'a',
        hostId: host.id,
        repositoryId: repo.id,
        kind: 'full',
        chainId: 'rp-0123456789ab',
        filePath: '/backups/vm-a/rp-0123456789ab.qcow2',
        sha256: 'a'.repeat(64),
        sizeBytes: 10n,
        virtualSizeBytes: 20n,
        takenAt,
        vmSpec: JSON.stringify(vmSpec),
      },
    });
    const manifest = {
      formatVersion: MANIFEST_FORMAT,
      pointId: point.id,
      vmId: 'vm-a',
      vmName: 'a',
      kind: 'full',
      fullReason: 'no previous backup',
      takenAt: takenAt.toISOString(),
      parent: null,
      sha256: point.sha256,
      sizeBytes: 10,
      virtualSizeBytes: 20,
      bytesWritten: 5,
      durationMs: 1,
      vmSpec,
    };
    const verifyResult = {
      files: [
        { path: point.filePath, ok: true, actualSha256: point.sha256, error: null, manifest, manifestError: null },
      ],
    };
    const dead = [
      { id: 'boot-check-dead0001', hostId: host.id },
      { id: 'boot-check-dead0002', hostId: host.id },
    ];
    taskId = (
      await db().task.create({
        data: {
          kind: 'backup.verify',
          title: 'verify',
          state: 'running',
          result: JSON.stringify({ bootCheckVms: dead }),
        },
      })
    ).id;

    await expect(
      backupVerifyHandler(makeContext(taskId, SYSTEM_ACTOR, true), { pointIds: [point.id], boot: true }),
    ).resolves.toEqual({ verified: 1 });

    const own = deletes.at(-1)!;
    expect(own).toMatch(/^boot-check-[0-9a-f]{8}$/);
    expect(deletes).toEqual(['boot-check-dead0001', 'boot-check-dead0001', 'boot-check-dead0002', own]);
    // recorded before the agent was asked to create it
    expect(resultWhenCreated).toEqual([{ id: own, hostId: host.id }]);
    expect(await tracked(taskId)).toEqual([]); // all deleted: nothing left for a next takeover
    const steps = (await db().taskStep.findMany({ where: { taskId } })).map((s) => s.message);
    expect(steps).toEqual(
      expect.arrayContaining(dead.map((v) => `Boot check: temporary VM ${v.id} of the stopped worker is deleted`)),
    );
    expect(await db().restorePoint.findUniqueOrThrow({ where: { id: point.id } })).toMatchObject({
      verifyState: 'boot-ok',
      verifyMessage: expect.stringMatching(/match their SHA-256 and manifest/),
    });
  });
});
