import { describe, expect, it } from 'vitest';
import { statsBars } from './point-stats-model';

const NOW = Date.parse('2026-12-06T15:00:00Z');

describe('statsBars', () => {
  it('has one bar per UTC day of the range, oldest first, empty days included', () => {
    const bars = statsBars([], 3, 'count', NOW);
    expect(bars.map((b) => b.day)).toEqual(['2026-12-04', '2026-12-05', '2026-12-06']);
    expect(bars[0]).toMatchObject({ label: '04/12', backup: 0, snapshot: 0, checkpoint: 0, 'group-checkpoint': 0 });
  });

  it('stacks count or size per kind and ignores days outside the range', () => {
    const rows = [
      { day: '2026-12-06', kind: 'snapshot' as const, count: 2, sizeBytes: 300 },
      { day: '2026-12-06', kind: 'group-checkpoint' as const, count: 3, sizeBytes: 900 },
      { day: '2026-12-05', kind: 'backup' as const, count: 1, sizeBytes: 5000 },
      { day: '2026-11-01', kind: 'backup' as const, count: 9, sizeBytes: 9 },
    ];
    const counts = statsBars(rows, 2, 'count', NOW);
    expect(counts).toEqual([
      { day: '2026-12-05', label: '05/12', backup: 1, snapshot: 0, checkpoint: 0, 'group-checkpoint': 0 },
      { day: '2026-12-06', label: '06/12', backup: 0, snapshot: 2, checkpoint: 0, 'group-checkpoint': 3 },
    ]);
    expect(statsBars(rows, 2, 'sizeBytes', NOW)[1]).toMatchObject({ snapshot: 300, 'group-checkpoint': 900 });
  });
});
