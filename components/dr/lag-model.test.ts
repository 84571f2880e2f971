import { describe, expect, it } from 'vitest';
import { lagRows } from './lag-model';

const at = (sec: number) => new Date(Date.UTC(2026, 11, 6, 19, 0, sec)).toISOString();
const T0 = Date.parse(at(0));

describe('lagRows', () => {
  it('draws the sawtooth: the drop at a run keeps its order, 1 ms apart', () => {
    const rows = lagRows(
      [
        { at: at(0), rpoSec: 20 }, // just before the run: age of the previous point
        { at: at(0), rpoSec: 3 }, // just after: age of the new one
        { at: at(15), rpoSec: 18 },
        { at: at(15), rpoSec: 2 },
      ],
      30,
    );
    expect(rows).toEqual([
      { t: T0, rpo: 20, target: 30 },
      { t: T0 + 1, rpo: 3, target: 30 },
      { t: T0 + 15_000, rpo: 18, target: 30 },
      { t: T0 + 15_001, rpo: 2, target: 30 },
    ]);
  });

  it('drops unreadable samples and clamps a negative RPO (clock skew) to 0', () => {
    expect(
      lagRows(
        [
          { at: 'not a date', rpoSec: 5 },
          { at: at(1), rpoSec: Number.NaN },
          { at: at(2), rpoSec: -0.4 },
        ],
        60,
      ),
    ).toEqual([{ t: T0 + 2_000, rpo: 0, target: 60 }]);
  });
});
