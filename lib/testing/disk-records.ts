// The test guest's records read straight from a disk image (any qcow2 of a chain, also one a
// running QEMU holds: -U), without booting it: record k is "SEQ=<k> TS=.." at byte k*512 of the
// first 4 MiB (scripts/guest/init). Same summary as the guest's own `read`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REC_MAX = 8191;

export type DiskRecords = { first: number; last: number; count: number; gaps: number };

export function diskRecords(image: string): DiskRecords {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vmops-records-'));
  try {
    const raw = path.join(dir, 'head.raw');
    execFileSync('qemu-img', [
      'dd',
      '-U',
      '-f',
      'qcow2',
      '-O',
      'raw',
      'bs=512',
      `count=${REC_MAX + 1}`,
      `if=${image}`,
      `of=${raw}`,
    ]);
    const buf = readFileSync(raw);
    const seqs: number[] = [];
    for (let k = 1; k <= REC_MAX && (k + 1) * 512 <= buf.length; k++) {
      const m = /^SEQ=(\d+) /.exec(buf.toString('latin1', k * 512, k * 512 + 32));
      if (m && Number(m[1]) === k) seqs.push(k);
    }
    if (!seqs.length) return { first: 0, last: 0, count: 0, gaps: 0 };
    const first = seqs[0];
    const last = seqs[seqs.length - 1];
    return { first, last, count: seqs.length, gaps: last - first + 1 - seqs.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The guest's answer line as the same summary.
export function parseRecords(line: string): DiskRecords {
  const m = /first=(\d+) last=(\d+) count=(\d+) gaps=(\d+)/.exec(line);
  if (!m) throw new Error(`not a records line: ${line}`);
  return { first: Number(m[1]), last: Number(m[2]), count: Number(m[3]), gaps: Number(m[4]) };
}
