import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { importLocationNotAllowed } from '@/lib/errors';
import { seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { admin, clearTables, seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { listImages, listImportLocations } from './queries';
import { importImageSchema } from './schemas';
import { importImage } from './service';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const allowed = { dirs: ['/srv/shared/image-store', '/srv/guest'], urlPrefixes: ['https://mirror.example/pub/'] };
let agent: FakeAgent;
beforeEach(async () => {
  await clearTables('taskStep', 'task', 'image', 'auditEvent', 'host', 'user');
  await seedUsers();
  agent = await startFakeAgent({
    // Stands in for the agent's location check (lib/agent/images/locations.ts, tested there).
    'GET /v1/images/import-locations': () => allowed,
    'POST /v1/images/check-sources': (body) => {
      const disk = (body as { disk: { path?: string } }).disk;
      if (!disk.path?.startsWith('/srv/guest/')) throw importLocationNotAllowed('disk', allowed);
    },
  });
  await seedFakeAgentHost('h1', agent);
});
afterEach(() => agent.close());

const input = (over: Record<string, unknown>) =>
  importImageSchema.parse({ name: 'tiny', version: '1', disk: '/srv/guest/disk.qcow2', ...over });

describe('importImage', () => {
  it('asks the agent first: a refused source is a 422 on its field, audited, with no image row or task', async () => {
    const err = await importImage(admin, input({ disk: '/etc/passwd' })).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'IMPORT_LOCATION_NOT_ALLOWED',
      status: 422,
      data: { fields: { disk: [expect.stringContaining('/srv/guest')] }, allowed },
    });
    expect(agent.callsTo('POST /v1/images/check-sources')[0].body).toEqual({ disk: { path: '/etc/passwd' } });
    expect(await db().image.count()).toBe(0);
    expect(await db().task.count()).toBe(0);
    expect(await db().auditEvent.findMany({ select: { action: true, result: true } })).toEqual([
      { action: 'image.import', result: 'failed' },
    ]);
  });

  it('queues an allowed import with its declared minimum memory', async () => {
    const r = await importImage(admin, input({ minMemoryMiB: 96 }));
    const task = await db().task.findUniqueOrThrow({ where: { id: r.taskId } });
    expect(JSON.parse(task.payload)).toMatchObject({
      request: { disk: { path: '/srv/guest/disk.qcow2' }, minMemoryMiB: 96 },
    });
    expect(await listImages()).toMatchObject([{ id: r.imageId, status: 'importing', minMemoryMiB: 96 }]);
  });

  it("lists each online host's import locations; an agent that cannot answer is named, not fatal", async () => {
    const down = await seedFakeAgentHost('h2', { url: 'http://127.0.0.1:9' });
    const list = await listImportLocations(admin);
    expect(list.find((h) => h.hostName === 'h1')).toMatchObject({ ...allowed, error: null });
    expect(list.find((h) => h.hostId === down.id)).toMatchObject({
      dirs: [],
      urlPrefixes: [],
      error: expect.stringMatching(/cannot be reached/),
    });
  });

  it('shows host paths only to roles that may import', async () => {
    await expect(listImportLocations(viewer)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
  });

  it("imports into the asked site's repository through a host of that site; 'main' by default", async () => {
    const dr1 = await seedFakeAgentHost('dr1', agent);
    await db().host.update({ where: { id: dr1.id }, data: { site: 'dr' } });
    const r = await importImage(admin, input({ site: 'dr' }));
    const task = await db().task.findUniqueOrThrow({ where: { id: r.taskId } });
    expect(JSON.parse(task.payload)).toMatchObject({ hostId: dr1.id });
    expect(await db().image.findUniqueOrThrow({ where: { id: r.imageId } })).toMatchObject({ site: 'dr' });
    const main = await importImage(admin, input({ version: '2' }));
    expect(await db().image.findUniqueOrThrow({ where: { id: main.imageId } })).toMatchObject({ site: 'main' });
    // A named host of another site writes its own site's repository, not the asked one.
    await expect(importImage(admin, input({ version: '3', hostId: dr1.id, site: 'main' }))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: "Host dr1 is in site dr, not main: it writes its own site's repository",
    });
    await expect(importImage(admin, input({ version: '4', site: 'far' }))).rejects.toMatchObject({
      code: 'NO_HOST_AVAILABLE',
      message: expect.stringContaining('no host of site far is online'),
    });
  });

  it('takes minMemoryMiB as an exact JSON number', () => {
    expect(importImageSchema.safeParse({ name: 'a', version: '1', disk: '/x', minMemoryMiB: '96' }).success).toBe(
      false,
    );
    expect(importImageSchema.safeParse({ name: 'a', version: '1', disk: '/x', minMemoryMiB: 8 }).success).toBe(false);
  });
});
