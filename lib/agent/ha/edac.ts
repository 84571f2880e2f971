// Corrected / uncorrected memory error counters from EDAC: the sums of ce_count and ue_count over
// <root>/mc/mc*/ (root /sys/devices/system/edac unless --edac-root points elsewhere, e.g. a test
// directory laid out the same way). No mc directory: readable false (no counters on this host).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { withDeadline } from '../fs-bounds';
import type { HaStatus } from '@/lib/agent-protocol/ha';

export const DEFAULT_EDAC_ROOT = '/sys/devices/system/edac';
const READ_MS = 1_000;
const MAX_CONTROLLERS = 64;

const count = async (file: string): Promise<number> => {
  const text = await withDeadline(readFile(file, 'utf8'), READ_MS, `reading ${file}`).catch(() => '');
  const n = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};

export async function readEdac(root: string): Promise<HaStatus['edac']> {
  const mcDir = path.join(root, 'mc');
  const names = await withDeadline(readdir(mcDir), READ_MS, `listing ${mcDir}`).catch(() => null);
  if (!names) return { readable: false, correctedErrors: 0, uncorrectedErrors: 0 };
  let correctedErrors = 0;
  let uncorrectedErrors = 0;
  for (const mc of names.filter((n) => /^mc\d+$/.test(n)).slice(0, MAX_CONTROLLERS)) {
    correctedErrors += await count(path.join(mcDir, mc, 'ce_count'));
    uncorrectedErrors += await count(path.join(mcDir, mc, 'ue_count'));
  }
  return { readable: true, correctedErrors, uncorrectedErrors };
}
