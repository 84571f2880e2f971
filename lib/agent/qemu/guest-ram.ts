// How much of a running guest's RAM holds data, as a live migration will see it: QEMU sends every
// non-zero page and only a flag for a zero one, so neither the configured memory nor QEMU's RSS
// (which counts its own memory and pages the guest touched but left zero) is the figure. Read
// from QEMU's memory (/proc/<pid>/mem, the agent's own child) at evenly spaced pages of the guest
// RAM mapping: a bounded sample, not a scan, so a large guest costs the same.
import { open, readFile } from 'node:fs/promises';

const PAGE = 4096;
const SAMPLES = 4096; // pages read at most (16 MiB); enough for a share to within ~1.5 %
const BUDGET_MS = 2_000;

// The anonymous read-write mapping exactly as large as the guest's memory: its RAM (QEMU maps it
// in one piece); null when there is none such (file- or hugepage-backed memory, another layout).
export function guestRamMapping(maps: string, memoryBytes: number): { start: number; end: number } | null {
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) rw-p 00000000 00:00 0\s*$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1], 16);
    const end = parseInt(m[2], 16);
    if (end - start === memoryBytes) return { start, end };
  }
  return null;
}

const ZERO = Buffer.alloc(PAGE);
export const isZeroPage = (page: Buffer) => page.equals(ZERO); // a memcmp

// Bytes of guest RAM holding data (share of sampled non-zero pages x memory); null when it cannot
// be read (mapping not found, process gone, not allowed) or the sample ran out of time.
export async function guestRamInUse(pid: number, memoryBytes: number): Promise<number | null> {
  try {
    const ram = guestRamMapping(await readFile(`/proc/${pid}/maps`, 'utf8'), memoryBytes);
    if (!ram) return null;
    const pages = Math.floor((ram.end - ram.start) / PAGE);
    const n = Math.min(SAMPLES, pages);
    const stride = pages / n;
    const fh = await open(`/proc/${pid}/mem`, 'r');
    try {
      const buf = Buffer.alloc(PAGE);
      const until = Date.now() + BUDGET_MS;
      let used = 0;
      for (let i = 0; i < n; i++) {
        if (Date.now() > until) return null;
        await fh.read(buf, 0, PAGE, ram.start + Math.floor(i * stride) * PAGE);
        if (!isZeroPage(buf)) used++;
      }
      return Math.round((used / n) * memoryBytes);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}
