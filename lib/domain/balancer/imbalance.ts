// Cluster imbalance: the spread of host load, sqrt(wc·var(cpu) + wm·var(mem)) over the hosts
// that can take VMs, where cpu and mem are fractions of each host's capacity. 0 means every
// host carries the same share; both dimensions count, so a CPU-heavy and a memory-heavy host do
// not cancel out. Sums are kept so a move rescored in O(1), not O(hosts).

export const CPU_WEIGHT = 0.5;
export const MEM_WEIGHT = 0.5;

export type Load = { cpu: number; mem: number };

export class LoadSums {
  n = 0;
  private sc = 0;
  private qc = 0;
  private sm = 0;
  private qm = 0;

  add(cpu: number, mem: number, sign: 1 | -1 = 1): void {
    this.n += sign;
    this.sc += sign * cpu;
    this.qc += sign * cpu * cpu;
    this.sm += sign * mem;
    this.qm += sign * mem * mem;
  }

  score(): number {
    return scoreOf(this.n, this.sc, this.qc, this.sm, this.qm);
  }

  // Score if host a's load went from (ac0, am0) to (ac1, am1) and host b's from (bc0, bm0) to
  // (bc1, bm1), i.e. after one move, without changing the sums. Plain numbers: this runs once per
  // candidate move, so it allocates nothing.
  scoreIf(
    ac0: number,
    am0: number,
    ac1: number,
    am1: number,
    bc0: number,
    bm0: number,
    bc1: number,
    bm1: number,
  ): number {
    const sc = this.sc - ac0 - bc0 + ac1 + bc1;
    const qc = this.qc - ac0 * ac0 - bc0 * bc0 + ac1 * ac1 + bc1 * bc1;
    const sm = this.sm - am0 - bm0 + am1 + bm1;
    const qm = this.qm - am0 * am0 - bm0 * bm0 + am1 * am1 + bm1 * bm1;
    return scoreOf(this.n, sc, qc, sm, qm);
  }
}

function scoreOf(n: number, sc: number, qc: number, sm: number, qm: number): number {
  if (n <= 1) return 0;
  // max(0, ..): rounding can make a zero variance slightly negative.
  const varC = Math.max(0, qc / n - (sc / n) ** 2);
  const varM = Math.max(0, qm / n - (sm / n) ** 2);
  return Math.sqrt(CPU_WEIGHT * varC + MEM_WEIGHT * varM);
}

export function imbalance(loads: readonly Load[]): number {
  const sums = new LoadSums();
  for (const l of loads) sums.add(l.cpu, l.mem);
  return sums.score();
}
