// The snapshot routes with the simulated driver: no QEMU, so the list says "no" for every kind
// with the reason, and the operations answer 501; bad input is 422 before anything else.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient, type AgentClient } from '@/lib/agent-client';
import { startTestAgent } from '@/lib/testing/agents';
import { type FakeDashboard, startFakeDashboard } from '@/lib/testing/fake-dashboard';

let dash: FakeDashboard;
let h: Awaited<ReturnType<typeof startTestAgent>>;
let c: AgentClient;

beforeAll(async () => {
  dash = await startFakeDashboard();
  h = await startTestAgent({ dashboard: dash });
  c = createAgentClient({ baseUrl: h.baseUrl, secret: await h.secret(), hostName: 'h1' });
  const image = path.join(h.config.shared, 'image.qcow2');
  writeFileSync(image, '');
  await c.createVm({
    id: 'sim-vm',
    name: 'sim',
    vcpus: 1,
    memoryMiB: 64,
    diskSizeBytes: 64 * 1024 * 1024,
    baseImagePath: image,
    boot: {},
    start: false,
  });
});
afterAll(async () => {
  await h.stop();
  await dash.close();
});

describe('agent snapshot routes (simulated driver)', () => {
  it('lists no points and every capability "no" with the reason', async () => {
    const no = { ok: false, reason: 'snapshots need the QEMU driver' };
    expect(await c.vmPoints('sim-vm')).toEqual({
      points: [],
      currentId: null,
      capabilities: { disk: no, memory: no, revert: no, clone: no },
      clones: [],
      linkedTo: null,
    });
    await expect(c.vmPoints('no-such-vm')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT', status: 404 });
  });

  it('answers 501 NOT_SUPPORTED for point operations, 422 for bad input first', async () => {
    await expect(c.takePoint('sim-vm', { id: 'pt-one', kind: 'memory' })).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
      status: 501,
    });
    await expect(c.revertPoint('sim-vm', 'pt-one')).rejects.toMatchObject({ code: 'NOT_SUPPORTED', status: 501 });
    await expect(c.deletePoint('sim-vm', 'pt-one')).rejects.toMatchObject({ code: 'NOT_SUPPORTED', status: 501 });
    const err = await c.takePoint('sim-vm', { id: '../x', kind: 'ram' } as never).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', status: 422 });
    expect(Object.keys((err as { data: { fields: object } }).data.fields).sort()).toEqual(['id', 'kind']);
    await expect(c.deletePoint('sim-vm', 'UPPER')).rejects.toMatchObject({ code: 'INVALID_INPUT', status: 422 });
  });
});
