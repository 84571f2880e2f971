import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import type { VmSpec } from '../driver/types';
import { readReverse, refuseStartDuringFailback, writeReverse } from './in-place-guard';
import { stateOf } from './in-place';

const ctx = { log: () => {} };
let dir: Awaited<ReturnType<typeof tempDir>>;
let spec: VmSpec;
beforeEach(async () => {
  dir = await tempDir('vmops-reverse-');
  spec = {
    id: 'vm-fb-0001',
    name: 'fb',
    vcpus: 1,
    memoryMiB: 64,
    pool: 'local',
    vmDir: dir.path,
    diskPath: path.join(dir.path, 'disk0.qcow2'),
    boot: {},
  };
});
afterEach(() => dir.remove());

describe('reverse.json and the failback start block', () => {
  it('starts empty: nothing pending, the VM may start', async () => {
    const rev = await readReverse(spec);
    expect(stateOf(rev)).toEqual({ basePointId: null, forwardBasePointId: null, startBlocked: false });
    await expect(refuseStartDuringFailback(ctx, spec)).resolves.toBeUndefined();
  });

  it('refuses start while a point is pending (open or aborted) and allows it after the commit', async () => {
    await writeReverse(spec, {
      format: 1,
      basePointId: 'rpl-000000000001',
      pendingPointId: 'rpl-000000000002',
      forwardBasePointId: null,
    });
    await expect(refuseStartDuringFailback(ctx, spec)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/receiving failback point rpl-000000000002/),
    });
    const committed = { format: 1 as const, basePointId: 'rpl-000000000002', pendingPointId: null };
    await writeReverse(spec, { ...committed, forwardBasePointId: 'rpl-000000000003' });
    await expect(refuseStartDuringFailback(ctx, spec)).resolves.toBeUndefined();
    expect(stateOf(await readReverse(spec))).toEqual({
      basePointId: 'rpl-000000000002',
      forwardBasePointId: 'rpl-000000000003',
      startBlocked: false,
    });
  });

  it('treats a damaged file as pending: a disk that may be a mix never starts by accident', async () => {
    await writeFile(path.join(dir.path, 'reverse.json'), '{"format": 1, "basePointId": "../x"}');
    expect((await readReverse(spec)).pendingPointId).not.toBeNull();
    await expect(refuseStartDuringFailback(ctx, spec)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses start while a storage daemon pid file names a live daemon of this disk, not a stale pid', async () => {
    await writeFile(path.join(dir.path, 'replication-daemon.pid'), `${process.pid}\n`); // not a daemon
    await expect(refuseStartDuringFailback(ctx, spec)).resolves.toBeUndefined();
  });
});
