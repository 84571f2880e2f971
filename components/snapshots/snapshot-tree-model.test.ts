import { describe, expect, it } from 'vitest';
import type { SnapshotDto } from '@/lib/domain/snapshots/dto';
import { deleteBlockReason, snapshotTreeRows, type TreeRow } from './snapshot-tree-model';

let minute = 0;
function snap(id: string, parentId: string | null, extra: Partial<SnapshotDto> = {}): SnapshotDto {
  minute += 1;
  return {
    id,
    vmId: 'vm-1',
    name: id,
    description: null,
    kind: 'snapshot',
    parentId,
    groupId: null,
    groupName: null,
    scheduleId: null,
    layerBytes: 0,
    stateBytes: 0,
    wasRunning: true,
    downtimeMs: null,
    pauseMs: null,
    createdBy: null,
    createdAt: new Date(Date.UTC(2026, 11, 6, 12, minute)).toISOString(),
    clones: [],
    ...extra,
  };
}

// "a  ├ b" style outline of the rows: the id (or @ for "you are here") indented by depth.
const outline = (rows: TreeRow[]) =>
  rows.map((r) => `${'  '.repeat(r.depth)}${r.type === 'here' ? '@' : r.snapshot.id}`);

describe('snapshotTreeRows', () => {
  it('is empty without snapshots, whatever the current id', () => {
    expect(snapshotTreeRows([], 'x')).toEqual([]);
  });

  it('puts "you are here" under the current point, after its children, and counts branches', () => {
    const rows = snapshotTreeRows([snap('a', null), snap('b', 'a'), snap('c', 'a')], 'a');
    expect(outline(rows)).toEqual(['a', '  b', '  c', '  @']);
    const a = rows[0];
    expect(a.type === 'snapshot' && [a.current, a.branches]).toEqual([true, 3]);
    expect(rows.map((r) => r.last)).toEqual([true, false, false, true]);
  });

  it('orders children oldest first and draws the guide of an unfinished level', () => {
    // a -> b -> d, a -> c (a revert to a, then c); the VM is on d.
    const b = snap('b', 'a');
    const list = [snap('a', null), b, snap('d', 'b'), snap('c', 'a')];
    const rows = snapshotTreeRows(list, 'd');
    expect(outline(rows)).toEqual(['a', '  b', '    d', '      @', '  c']);
    // d sits under b, which is not a's last child: the level-1 line continues past d and @;
    // d is b's only child, so no level-2 line runs past @.
    expect(rows[2].guides).toEqual([true]);
    expect(rows[3].guides).toEqual([true, false]);
    expect(rows[4]).toMatchObject({ depth: 1, last: true, guides: [] });
  });

  it('shows "you are here" at the root when the VM descends from no point (restored over)', () => {
    expect(outline(snapshotTreeRows([snap('a', null)], null))).toEqual(['a', '@']);
    expect(outline(snapshotTreeRows([snap('a', null)], 'gone'))).toEqual(['a', '@']);
  });

  it('makes the children of a missing parent roots instead of hiding them', () => {
    expect(outline(snapshotTreeRows([snap('b', 'deleted'), snap('c', 'b')], 'c'))).toEqual(['b', '  c', '    @']);
  });
});

describe('deleteBlockReason', () => {
  it('names the linked clones that depend on the point', () => {
    const s = snap('a', null, { clones: [{ vmId: 'vm-2', vmName: 'web-clone' }] });
    expect(deleteBlockReason({ snapshot: s, branches: 1 })).toMatch(/web-clone depends on it/);
  });
  it('refuses a branch point and allows a point with one child', () => {
    expect(deleteBlockReason({ snapshot: snap('a', null), branches: 2 })).toMatch(/Branch point of 2 branches/);
    expect(deleteBlockReason({ snapshot: snap('a', null), branches: 1 })).toBeNull();
  });
});
