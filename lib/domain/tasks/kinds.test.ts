import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { createTestDb } from '@/lib/testing/test-db';
import { isTaskKind, parseTaskPayload, TASK_PAYLOADS, tryParseTaskPayload, type TaskKind } from './kinds';
import { enqueueTask } from './service';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
};

describe('task payload schemas', () => {
  it('parse a stored payload of each kind into its typed shape', () => {
    expect(parseTaskPayload('vm.stop', '{"vmId":"vm-a","previousState":"running"}')).toEqual({
      vmId: 'vm-a',
      previousState: 'running',
    });
    const restore = parseTaskPayload('vm.restore', {
      vmId: 'v',
      pointId: 'p',
      mode: 'replace',
      instant: true,
      previousState: 'stopped',
    });
    // The discriminated union narrows on mode: only a replace has a previous state.
    expect(restore.mode === 'replace' && restore.previousState).toBe('stopped');
    expect(parseTaskPayload('vm.migrate', { vmId: 'v', migrationId: 'm', maxBandwidthBytes: 1024 })).toEqual({
      vmId: 'v',
      migrationId: 'm',
      maxBandwidthBytes: 1024,
    });
  });

  it('refuse a payload that does not match with a coded error naming the fields', () => {
    expect(codeOf(() => parseTaskPayload('vm.stop', '{"vmId":42}'))).toEqual({
      code: 'TASK_PAYLOAD_INVALID',
      message: expect.stringMatching(
        /^The payload of this vm\.stop task does not match its schema: vmId: .*; previousState: /,
      ),
    });
    expect(codeOf(() => parseTaskPayload('backup.run', '{"jobId":"j","trigger":"schedule","extra":1}'))?.code).toBe(
      'TASK_PAYLOAD_INVALID',
    ); // strict
    expect(
      codeOf(() => parseTaskPayload('vm.restore', '{"vmId":"v","pointId":"p","mode":"new","instant":"yes"}'))?.code,
    ).toBe('TASK_PAYLOAD_INVALID');
    expect(codeOf(() => parseTaskPayload('vm.start', '{"vmId":"v","previousState":"running-ish"}'))?.code).toBe(
      'TASK_PAYLOAD_INVALID',
    );
    expect(codeOf(() => parseTaskPayload('host.evacuate', '{"hostId": "h1"'))).toMatchObject({
      code: 'TASK_PAYLOAD_INVALID',
      message: expect.stringContaining('not JSON'),
    });
    expect(codeOf(() => parseTaskPayload('host.evacuate', 'null'))?.code).toBe('TASK_PAYLOAD_INVALID');
    // A JSON string is the payload as stored, not an object to check: '"{}"' is a string, refused.
    expect(
      codeOf(() => parseTaskPayload('host.evacuate', JSON.stringify(JSON.stringify({ hostId: 'h1' }))))?.code,
    ).toBe('TASK_PAYLOAD_INVALID');
  });

  it('know only their own kinds, not Object.prototype keys', () => {
    for (const kind of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'vm.reboot', '']) {
      expect(isTaskKind(kind), kind).toBe(false);
      expect(tryParseTaskPayload(kind as TaskKind, '{}'), kind).toMatchObject({
        ok: false,
        error: { code: 'TASK_KIND_UNKNOWN' },
      });
    }
    expect(Object.keys(TASK_PAYLOADS).every(isTaskKind)).toBe(true);
  });
});

describe('enqueueTask', () => {
  it('stores the payload its kind declares', async () => {
    const id = await enqueueTask({
      kind: 'backup.verify',
      title: 'v',
      payload: { pointIds: ['p1'], boot: true },
      actor: SYSTEM_ACTOR,
    });
    expect(JSON.parse((await db().task.findUniqueOrThrow({ where: { id } })).payload)).toEqual({
      pointIds: ['p1'],
      boot: true,
    });
  });

  it('does not type-check a payload of the wrong shape, and refuses one cast past the checker', async () => {
    const actor = SYSTEM_ACTOR;
    // Compile-time checks: `tsc --noEmit` fails if any of these lines starts to type-check.
    const wrong = [
      // @ts-expect-error a power action needs the VM's previous state
      () => enqueueTask({ kind: 'vm.stop', title: 't', payload: { vmId: 'v' }, actor }),
      // @ts-expect-error backup.verify takes pointIds, not pointId
      () => enqueueTask({ kind: 'backup.verify', title: 't', payload: { pointId: 'p', boot: false }, actor }),
      // @ts-expect-error previousState is a VM state
      () => enqueueTask({ kind: 'vm.restart', title: 't', payload: { vmId: 'v', previousState: 'on' }, actor }),
      // prettier-ignore
      // @ts-expect-error a replace restore must say the state to go back to
      () => enqueueTask({ kind: 'vm.restore', title: 't', payload: { vmId: 'v', pointId: 'p', mode: 'replace', instant: false }, actor }),
      // @ts-expect-error no such kind
      () => enqueueTask({ kind: 'vm.reboot', title: 't', payload: { vmId: 'v' }, actor }),
      // @ts-expect-error the payload is required
      () => enqueueTask({ kind: 'host.evacuate', title: 't', actor }),
      // prettier-ignore
      // @ts-expect-error a kind chosen at runtime must fit the payload of every kind it may be
      () => enqueueTask({ kind: Math.random() > 0.5 ? 'vm.create' : 'vm.start', title: 't', payload: { vmId: 'v' }, actor }),
    ];
    expect(wrong).toHaveLength(7);
    const cast = { vmId: 'v', previousState: 'on' } as unknown as { vmId: string; previousState: 'running' };
    await expect(enqueueTask({ kind: 'vm.stop', title: 't', payload: cast, actor })).rejects.toMatchObject({
      code: 'TASK_PAYLOAD_INVALID',
      data: { kind: 'vm.stop' },
    });
    expect(await db().task.count({ where: { title: 't' } })).toBe(0);
  });
});
