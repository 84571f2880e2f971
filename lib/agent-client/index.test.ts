import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent } from '@/lib/testing/agents';
import { type FakeDashboard, startFakeDashboard } from '@/lib/testing/fake-dashboard';
import { tempDir } from '@/lib/testing/temp-dir';
import { waitFor } from '@/lib/wait-for';
import { createAgentClient, waitForOperation, type AgentClient } from './index';

let dash: FakeDashboard;
let h: Awaited<ReturnType<typeof startTestAgent>>;
let client: AgentClient;
let src: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dash = await startFakeDashboard();
  src = await tempDir();
  h = await startTestAgent({ dashboard: dash, extraArgs: ['--import-dir', src.path] });
  client = createAgentClient({ baseUrl: h.baseUrl, secret: await h.secret(), hostName: 'h1' });
  await writeFile(path.join(src.path, 'disk.raw'), Buffer.alloc(1 << 20));
});
afterAll(async () => {
  await h.stop();
  await dash.close();
  await src.remove();
});

describe('agent client', () => {
  it('imports an image, creates, drives and deletes a VM through every route', async () => {
    const progress: number[] = [];
    const op = await client.importImage({
      name: 'tiny',
      version: '1',
      disk: { path: path.join(src.path, 'disk.raw') },
    });
    const done = await waitForOperation(client, op.id, (o) => progress.push(o.progress), { intervalMs: 10 });
    expect(done.state).toBe('succeeded');
    const [image] = await client.listImages();
    expect(image).toMatchObject({ name: 'tiny', version: '1', format: 'qcow2' });

    const vm = await client.createVm({
      id: 'vm-a',
      name: 'a',
      vcpus: 1,
      memoryMiB: 64,
      diskSizeBytes: 1 << 30,
      baseImagePath: image.diskPath,
    });
    expect(vm).toMatchObject({ id: 'vm-a', state: 'running', pool: 'local' });
    await waitFor('guest ready', async () => (await client.getVm('vm-a')).guestReady);
    await client.sendSerial('vm-a', 'write 5');
    expect((await client.console('vm-a', 1)).lines).toEqual(['VMOPS-OK seq=5']); // 5 records: seq 1..5
    expect((await client.listVms()).map((v) => v.id)).toEqual(['vm-a']);
    expect((await client.restartVm('vm-a')).state).toBe('running');
    expect((await client.stopVm('vm-a', { force: true })).state).toBe('shutoff');
    expect((await client.startVm('vm-a')).state).toBe('running');
    expect((await client.info()).driver).toBe('simulated');
    await client.deleteVm('vm-a');
    await expect(client.getVm('vm-a')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT', status: 404 });
  });

  it('rebuilds coded errors from the agent', async () => {
    await expect(
      client.createVm({ id: 'x', name: '', vcpus: 1, memoryMiB: 64, diskSizeBytes: 1, baseImagePath: '/x' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      status: 422,
      data: { fields: { id: ['lowercase id'] } },
    });
    const wrong = createAgentClient({ baseUrl: h.baseUrl, secret: 'nope', hostName: 'h1' });
    await expect(wrong.info()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it('turns network failures into AGENT_UNREACHABLE naming the host', async () => {
    const dead = createAgentClient({ baseUrl: 'http://127.0.0.1:9', secret: 's', hostName: 'h7', timeoutMs: 2000 });
    await expect(dead.listVms()).rejects.toMatchObject({
      code: 'AGENT_UNREACHABLE',
      status: 503,
      data: { host: 'h7' },
    });
  });
});
