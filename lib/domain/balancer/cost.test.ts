import { describe, expect, it } from 'vitest';
import { migrationCostSec, type CostInput } from './cost';

const MiB = 1024 * 1024;
const idle: CostInput = {
  memoryBytes: 1024 * MiB,
  rssBytes: 0,
  vcpus: 1,
  cpuPct: 0,
  diskBytes: 0,
  diskWriteBytesPerSec: 0,
};

describe('migrationCostSec', () => {
  it('is memory over bandwidth for an idle VM on shared storage', () => {
    expect(migrationCostSec(idle, 128 * MiB)).toBeCloseTo(8, 1);
  });
  it.each([
    { name: 'more memory', change: { memoryBytes: 4096 * MiB } },
    { name: 'a busy guest (dirtier memory)', change: { cpuPct: 100, vcpus: 2 } },
    { name: 'a local disk to mirror', change: { diskBytes: 512 * MiB } },
  ])('costs more with $name', ({ change }) =>
    expect(migrationCostSec({ ...idle, ...change })).toBeGreaterThan(migrationCostSec(idle)),
  );
  it('costs less when little memory is touched', () =>
    expect(migrationCostSec({ ...idle, rssBytes: 128 * MiB })).toBeLessThan(migrationCostSec(idle)));
});
