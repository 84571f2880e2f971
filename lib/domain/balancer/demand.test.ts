import { describe, expect, it } from 'vitest';
import { predictDemand } from './demand';

const ramp = (from: number, step: number, n: number) => Array.from({ length: n }, (_, i) => from + i * step);

describe('predictDemand', () => {
  it.each([
    { name: 'flat', values: ramp(1, 0, 20), check: (p: number) => expect(p).toBeCloseTo(1, 6) },
    {
      name: 'rising: ahead of the last sample',
      values: ramp(0.1, 0.05, 20),
      check: (p: number) => expect(p).toBeGreaterThan(0.1 + 19 * 0.05),
    },
    {
      name: 'falling: below the last sample',
      values: ramp(2, -0.05, 20),
      check: (p: number) => expect(p).toBeLessThan(2 - 19 * 0.05),
    },
    {
      name: 'one spike at the end of a flat series: partly followed',
      values: [...ramp(0.5, 0, 19), 2],
      check: (p: number) => expect(p > 0.5 && p < 2).toBe(true),
    },
    {
      name: 'one dip in a flat series: recovers',
      values: [...ramp(1, 0, 10), 0, ...ramp(1, 0, 9)],
      check: (p: number) => expect(p).toBeGreaterThan(0.9),
    },
    { name: 'one sample', values: [0.7], check: (p: number) => expect(p).toBe(0.7) },
    { name: 'no samples', values: [], check: (p: number) => expect(p).toBe(0) },
  ])('$name', ({ values, check }) => check(predictDemand(values)));

  it('follows a linear trend to the value `horizon` samples ahead', () => {
    expect(predictDemand(ramp(0, 0.1, 40), Infinity, { alpha: 0.5, beta: 0.3, horizon: 3 })).toBeCloseTo(3.9 + 0.3, 3);
  });

  it('clamps to [0, max]: a VM cannot use more than its vCPUs', () => {
    expect(predictDemand(ramp(1, 0.5, 10), 2)).toBe(2);
    expect(predictDemand(ramp(1, -0.5, 10), 2)).toBe(0);
  });
});
