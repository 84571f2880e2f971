// Live migration of the test guest between two real agents on this machine (loopback TCP, TCG):
// total time, QEMU's downtime and the pause the guest really saw, idle and CPU-burning, with a
// shared disk and with storage migration (NBD mirror). Each figure is the median of 3 moves,
// back and forth. `tsx --conditions=react-server scripts/bench/migration.ts` runs this suite alone.
import { pathToFileURL } from 'node:url';
import { ask } from '@/lib/testing/guest';
import { createGuest, migrateVm, type MigrationRun, startTwoHosts, type TestHost } from '@/lib/testing/two-hosts';
import { median, ms, type BenchRow } from './types';

const MOVES = 3;

async function moves(
  hosts: [TestHost, TestHost],
  id: string,
  mode: 'shared' | 'storage',
  from: number,
): Promise<{ runs: MigrationRun[]; at: number }> {
  const runs: MigrationRun[] = [];
  let at = from;
  for (let i = 0; i < MOVES; i++) {
    const src = hosts[at];
    const dst = hosts[1 - at];
    runs.push(await migrateVm(src, dst, await src.client.getVm(id), mode));
    at = 1 - at;
  }
  return { runs, at };
}

const med = (runs: MigrationRun[], f: (r: MigrationRun) => number) => median(runs.map(f));

export async function migrationBench(): Promise<BenchRow[]> {
  const cluster = await startTwoHosts();
  const rows: BenchRow[] = [];
  try {
    for (const mode of ['shared', 'storage'] as const) {
      const id = `bench-mig-${mode}`;
      await createGuest(cluster.hosts[0], id, mode === 'shared' ? 'shared' : 'local');
      const idle = await moves(cluster.hosts, id, mode, 0);
      await ask(cluster.hosts[idle.at].client, id, 'burn on', /^VMOPS-OK burn=1$/);
      const busy = await moves(cluster.hosts, id, mode, idle.at);
      const total = (r: MigrationRun[]) => med(r, (x) => x.result.totalMs);
      const down = (r: MigrationRun[]) => med(r, (x) => x.result.downtimeMs);
      const pause = (r: MigrationRun[]) => med(r, (x) => x.guestPauseMs ?? NaN);
      const label = mode === 'shared' ? 'shared disk' : 'storage (NBD mirror of the disk overlay)';
      const mib = (r: MigrationRun[]) =>
        `${(med(r, (x) => x.result.bytesTransferred) / 1024 ** 2).toFixed(0)} MiB moved`;
      rows.push(
        {
          what: `${label}, idle guest (128 MiB): total time`,
          value: ms(total(idle.runs)),
          yardstick: mib(idle.runs),
          ratio: '-',
        },
        {
          what: `${label}, busy guest (burn on): total time`,
          value: ms(total(busy.runs)),
          yardstick: `idle guest ${ms(total(idle.runs))}`,
          ratio: (total(busy.runs) / total(idle.runs)).toFixed(2),
        },
        {
          what: `${label}, idle guest: downtime (QEMU)`,
          value: ms(down(idle.runs)),
          yardstick: `total ${ms(total(idle.runs))}`,
          ratio: (down(idle.runs) / total(idle.runs)).toFixed(3),
        },
        {
          what: `${label}, busy guest: downtime (QEMU)`,
          value: ms(down(busy.runs)),
          yardstick: `total ${ms(total(busy.runs))}`,
          ratio: (down(busy.runs) / total(busy.runs)).toFixed(3),
        },
        {
          what: `${label}, idle guest: pause the guest saw (source stop to target resume)`,
          value: ms(pause(idle.runs)),
          yardstick: `QEMU downtime ${ms(down(idle.runs))}`,
          ratio: (pause(idle.runs) / down(idle.runs)).toFixed(2),
        },
        {
          what: `${label}, busy guest: pause the guest saw`,
          value: ms(pause(busy.runs)),
          yardstick: `QEMU downtime ${ms(down(busy.runs))}`,
          ratio: (pause(busy.runs) / down(busy.runs)).toFixed(2),
        },
      );
    }
  } finally {
    await cluster.close();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await migrationBench()) console.log(`| ${r.what} | ${r.value} | ${r.yardstick} | ${r.ratio} |`);
  process.exit(0);
}
