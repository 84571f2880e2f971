// Instant recovery against a full (copy) restore, through the agent's HTTP API on real QEMU: time
// from the request to the VM running, for a 1 GiB and a 16 GiB disk. The backup files are made
// with qemu-img/qemu-io (a known amount of data written into a sparse disk).
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitForOperation } from '@/lib/agent-client';
import type { RestoreResult } from '@/lib/agent-protocol/restore';
import { startQemuTestAgent } from '@/lib/testing/agents';
import { guestBoot, REPO_DIR } from '@/lib/testing/guest';
import { median, ms, type BenchRow } from './types';

const execAsync = promisify(execFile);
const GiB = 1024 ** 3;
const RUNS = 3;
const DISKS = [
  { label: '1 GiB', size: GiB, dataMiB: 512 },
  { label: '16 GiB', size: 16 * GiB, dataMiB: 2048 },
];

export async function restoreBench(): Promise<BenchRow[]> {
  execFileSync('bash', [path.join(REPO_DIR, 'scripts/build-guest.sh')], { stdio: 'inherit' });
  const h = await startQemuTestAgent('bench-restore');
  const rows: BenchRow[] = [];
  let n = 0;
  const restore = async (sourcePath: string, mode: 'copy' | 'instant'): Promise<RestoreResult> => {
    const id = `bench-r${n++}`;
    const t = performance.now();
    const op = await h.client.restoreVm({
      vm: { id, name: id, vcpus: 1, memoryMiB: 128, pool: 'local', boot: guestBoot() },
      sourcePath,
      mode,
      start: true,
    });
    const r = (await waitForOperation(h.client, op.id, undefined, { intervalMs: 100 })).result as RestoreResult;
    const requestMs = performance.now() - t - r.totalMs; // HTTP + pre-checks (qemu-img measure)
    await h.client.deleteVm(id);
    return { ...r, runningAfterMs: (r.runningAfterMs ?? r.totalMs) + requestMs, totalMs: r.totalMs + requestMs };
  };
  try {
    for (const d of DISKS) {
      const backup = path.join(h.shared, `backup-${d.size}.qcow2`);
      // Async: a blocked event loop (execFileSync) would stall the in-process agent's timers.
      await execAsync('qemu-img', ['create', '-q', '-f', 'qcow2', backup, String(d.size)]);
      // After the guest's record area (first 4 MiB) so the guest boots and scans as usual.
      // qemu-io takes at most 2 GiB per request: 1 GiB writes.
      const writes = Array.from({ length: Math.ceil(d.dataMiB / 1024) }, (_, i) => [
        '-c',
        `write -P 0xab ${64 + i * 1024}M ${Math.min(1024, d.dataMiB - i * 1024)}M`,
      ]);
      await execAsync('qemu-io', [...writes.flat(), backup]);
      const instant: RestoreResult[] = [];
      const copy: RestoreResult[] = [];
      for (let i = 0; i < RUNS; i++) {
        instant.push(await restore(backup, 'instant'));
        copy.push(await restore(backup, 'copy'));
      }
      const run = median(instant.map((r) => r.runningAfterMs!));
      const full = median(copy.map((r) => r.runningAfterMs!));
      const streamed = median(instant.map((r) => r.totalMs));
      const what = `${d.label} disk holding ${d.dataMiB} MiB`;
      rows.push({
        what: `instant recovery, ${what}: request to VM running (median of ${RUNS})`,
        value: ms(run),
        yardstick: `full copy restore to VM running: ${ms(full)}`,
        ratio: (run / full).toFixed(3),
      });
      rows.push({
        what: `instant recovery, ${what}: request to standalone disk (streamed while running)`,
        value: ms(streamed),
        yardstick: `full copy restore: ${ms(full)}`,
        ratio: (streamed / full).toFixed(2),
      });
    }
  } finally {
    await h.stop();
  }
  return rows;
}
