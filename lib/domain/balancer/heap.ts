// Indexed binary heap over item indices 0..size-1 with keys held by the caller (a Float64Array):
// after changing keys[i], call update(i). Used by the planner to find the most and least loaded
// hosts in O(log n) per move instead of sorting every iteration.

export class IndexedHeap {
  private heap: number[] = [];
  private pos: Int32Array;

  constructor(
    size: number,
    private keys: Float64Array,
    private readonly max: boolean,
  ) {
    this.pos = new Int32Array(size).fill(-1);
  }

  get size(): number {
    return this.heap.length;
  }

  push(i: number): void {
    this.pos[i] = this.heap.length;
    this.heap.push(i);
    this.up(this.pos[i]);
  }

  has(i: number): boolean {
    return this.pos[i] >= 0;
  }

  remove(i: number): void {
    const p = this.pos[i];
    if (p < 0) return;
    const last = this.heap.length - 1;
    if (p !== last) this.swap(p, last);
    this.heap.pop();
    this.pos[i] = -1;
    if (p < this.heap.length) {
      const moved = this.heap[p];
      this.up(p);
      this.down(this.pos[moved]);
    }
  }

  update(i: number): void {
    if (this.pos[i] < 0) return;
    this.up(this.pos[i]);
    this.down(this.pos[i]);
  }

  // The k best items, best first, in O(k²) without touching the heap (k is small).
  top(k: number): number[] {
    const out: number[] = [];
    const frontier: number[] = this.heap.length ? [0] : [];
    while (out.length < k && frontier.length) {
      let bi = 0;
      for (let j = 1; j < frontier.length; j++)
        if (this.better(this.heap[frontier[j]], this.heap[frontier[bi]])) bi = j;
      const p = frontier[bi];
      frontier[bi] = frontier[frontier.length - 1];
      frontier.pop();
      out.push(this.heap[p]);
      for (const c of [2 * p + 1, 2 * p + 2]) if (c < this.heap.length) frontier.push(c);
    }
    return out;
  }

  private better(a: number, b: number): boolean {
    return this.max ? this.keys[a] > this.keys[b] : this.keys[a] < this.keys[b];
  }

  private swap(p: number, q: number): void {
    const a = this.heap[p];
    const b = this.heap[q];
    this.heap[p] = b;
    this.heap[q] = a;
    this.pos[b] = p;
    this.pos[a] = q;
  }

  private up(p: number): void {
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (!this.better(this.heap[p], this.heap[parent])) return;
      this.swap(p, parent);
      p = parent;
    }
  }

  private down(p: number): void {
    for (;;) {
      let best = p;
      for (const c of [2 * p + 1, 2 * p + 2])
        if (c < this.heap.length && this.better(this.heap[c], this.heap[best])) best = c;
      if (best === p) return;
      this.swap(p, best);
      p = best;
    }
  }
}
