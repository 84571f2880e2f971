import { describe, expect, it } from 'vitest';
import { imbalance, LoadSums, type Load } from './imbalance';
import { seededRandom } from './simulated-fleet';

describe('imbalance', () => {
  it('is 0 when every host carries the same share, whatever the share', () => {
    // Within rounding: the sums-of-squares form leaves ~1e-9 after the square root.
    expect(
      imbalance([
        { cpu: 0.3, mem: 0.6 },
        { cpu: 0.3, mem: 0.6 },
        { cpu: 0.3, mem: 0.6 },
      ]),
    ).toBeCloseTo(0, 7);
    expect(
      imbalance([
        { cpu: 0.9, mem: 0.1 },
        { cpu: 0.9, mem: 0.1 },
      ]),
    ).toBeCloseTo(0, 7);
    expect(imbalance([{ cpu: 0.5, mem: 0.5 }])).toBe(0);
  });

  it('does not depend on the order of hosts', () => {
    const loads: Load[] = [
      { cpu: 0.9, mem: 0.2 },
      { cpu: 0.1, mem: 0.7 },
      { cpu: 0.4, mem: 0.4 },
    ];
    expect(imbalance([...loads].reverse())).toBeCloseTo(imbalance(loads), 12);
  });

  it('grows with the spread, and counts CPU and memory separately (they do not cancel)', () => {
    expect(
      imbalance([
        { cpu: 0.8, mem: 0.5 },
        { cpu: 0.2, mem: 0.5 },
      ]),
    ).toBeGreaterThan(
      imbalance([
        { cpu: 0.6, mem: 0.5 },
        { cpu: 0.4, mem: 0.5 },
      ]),
    );
    expect(
      imbalance([
        { cpu: 0.9, mem: 0.1 },
        { cpu: 0.1, mem: 0.9 },
      ]),
    ).toBeGreaterThan(0.3);
  });

  it('moving load from the busier to the idler host (without overshooting) lowers it', () => {
    expect(
      imbalance([
        { cpu: 0.7, mem: 0.5 },
        { cpu: 0.3, mem: 0.5 },
      ]),
    ).toBeLessThan(
      imbalance([
        { cpu: 0.8, mem: 0.5 },
        { cpu: 0.2, mem: 0.5 },
      ]),
    );
  });

  it('scoreIf matches a full recomputation after a move', () => {
    const rnd = seededRandom(3);
    const loads: Load[] = Array.from({ length: 50 }, () => ({ cpu: rnd(), mem: rnd() }));
    const sums = new LoadSums();
    for (const l of loads) sums.add(l.cpu, l.mem);
    expect(sums.score()).toBeCloseTo(imbalance(loads), 10);
    const [a, b] = [loads[3], loads[17]];
    const a1 = { cpu: a.cpu - 0.1, mem: a.mem - 0.05 };
    const b1 = { cpu: b.cpu + 0.2, mem: b.mem + 0.05 };
    const moved = loads.map((l, i) => (i === 3 ? a1 : i === 17 ? b1 : l));
    expect(sums.scoreIf(a.cpu, a.mem, a1.cpu, a1.mem, b.cpu, b.mem, b1.cpu, b1.mem)).toBeCloseTo(imbalance(moved), 10);
  });
});
