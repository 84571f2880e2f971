import { describe, expect, it } from 'vitest';
import { pointUnsupported } from '@/lib/errors';
import { groupFailure } from './group';

describe('groupFailure', () => {
  it('keeps the first coded failure, names every VM and what was recorded', () => {
    const err = groupFailure(
      'grp-1',
      [
        { vmId: 'a', error: pointUnsupported('a', 'memory', 'QEMU refuses') },
        { vmId: 'b', error: new Error('socket closed') },
      ],
      [{ vmId: 'c', pointId: 'grp-1-c' }],
    );
    expect(err).toMatchObject({ code: 'POINT_UNSUPPORTED', status: 409 });
    expect(err.message).toMatch(
      /^Group checkpoint grp-1: 2 VM\(s\) failed \(a: VM a cannot memory: QEMU refuses; b: socket closed\)$/,
    );
    expect(err.data).toMatchObject({
      groupId: 'grp-1',
      failed: [{ vmId: 'a' }, { vmId: 'b', error: 'socket closed' }],
      recorded: [{ vmId: 'c', pointId: 'grp-1-c' }],
    });
  });

  it('an uncoded failure becomes a QEMU error', () => {
    expect(groupFailure('g', [{ vmId: 'a', error: new Error('x') }], [])).toMatchObject({
      code: 'QEMU_ERROR',
      data: { failed: [{ vmId: 'a', error: 'x' }], recorded: [] },
    });
  });
});
