import { describe, expect, it } from 'vitest';
import type { RestorePointDto } from '@/lib/domain/backups/dto';
import { chainEffect } from './delete-point-effect';

const point = (
  id: string,
  parentId: string | null,
  hour: number,
  kind: RestorePointDto['kind'] = parentId ? 'incremental' : 'full',
) => ({ id, parentId, kind, takenAt: new Date(Date.UTC(2026, 0, 1, hour)).toISOString() }) as RestorePointDto;

describe('what the delete confirmation says about the chain', () => {
  const points = [point('A', null, 1), point('B', 'A', 2), point('C', 'B', 3)];

  it('names the dependants a middle point merges into, and its parent', () => {
    const e = chainEffect(points[1], points);
    expect(e.dependants.map((p) => p.id)).toEqual(['C']);
    expect(e.text).toMatch(/its data is merged into them \(rebased onto the point of/);
  });

  it('a full: its dependants become fulls; the newest: nothing else changes; a safety copy: just the file', () => {
    expect(chainEffect(points[0], points).text).toMatch(/flattened into full backups/);
    expect(chainEffect(points[2], points)).toMatchObject({
      dependants: [],
      text: expect.stringMatching(/every other point stays as it is/),
    });
    expect(chainEffect(point('S', null, 4, 'safety'), points).text).toMatch(/safety copy/);
  });
});
