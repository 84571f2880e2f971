// Group checkpoints (part of the checkpoints suite): 3 and 10 test guests spread over two real
// agents on this machine (TCG), taken the way the worker does (prepare, pause, capture on every
// host in parallel). Group pause = last VM resumed - first VM stopped; per-VM pause from each
// point's record. Targets (issue 11): <= 20 ms per VM, <= 100 ms for the group of 10.
// `tsx --conditions=react-server scripts/bench/checkpoints-group.ts` runs this part alone.
import { pathToFileURL } from 'node:url';
import { restoreGroup, takeGroup, type GroupMember, type GroupTake } from '@/lib/testing/group-checkpoints';
import { createGuest, startTwoHosts } from '@/lib/testing/two-hosts';
import { median, ms, type BenchRow } from './types';

const RUNS = 3;
const GUEST_MIB = 96;

async function takes(members: GroupMember[], label: string, kind: 'memory' | 'disk'): Promise<GroupTake[]> {
  const out: GroupTake[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await takeGroup(members, `bench-${label}-${kind}-${i}`, kind));
  return out;
}

const perVm = (t: GroupTake[]) => t.flatMap((x) => x.points.map((p) => p.point.pauseMs ?? NaN));

export async function groupCheckpointBench(): Promise<BenchRow[]> {
  const cluster = await startTwoHosts();
  const rows: BenchRow[] = [];
  try {
    const all: GroupMember[] = [];
    // Booted a few at a time: ten TCG boots at once on two cores take minutes.
    for (let i = 0; i < 10; i += 2) {
      const pair = [i, i + 1].map((n) => ({ host: cluster.hosts[n % 2], vmId: `bench-grp-${n}` }));
      await Promise.all(pair.map((m) => createGuest(m.host, m.vmId, 'local', GUEST_MIB)));
      all.push(...pair.map((m) => ({ client: m.host.client, vmId: m.vmId })));
    }
    for (const n of [3, 10]) {
      const members = all.slice(0, n);
      const mem = await takes(members, `g${n}`, 'memory');
      const group = median(mem.map((t) => t.groupPauseMs));
      rows.push(
        {
          what: `group checkpoint with memory, ${n} VMs on 2 hosts: group pause (first stop to last resume), median of ${RUNS}`,
          value: ms(group),
          yardstick: 'target 100 ms for 10 VMs',
          ratio: (group / 100).toFixed(2),
        },
        {
          what: `group checkpoint with memory, ${n} VMs: pause per VM (median / max)`,
          value: `${ms(median(perVm(mem)))} / ${ms(Math.max(...perVm(mem)))}`,
          yardstick: 'target 20 ms per VM',
          ratio: (median(perVm(mem)) / 20).toFixed(2),
        },
      );
    }
    const disk = await takes(all, 'g10', 'disk');
    const diskGroup = median(disk.map((t) => t.groupPauseMs));
    rows.push({
      what: `crash-consistent group snapshot (disk only), 10 VMs: group pause, median of ${RUNS}`,
      value: ms(diskGroup),
      yardstick: 'target 100 ms',
      ratio: (diskGroup / 100).toFixed(2),
    });
    const restore = await restoreGroup(all.slice(0, 3), `bench-g3-memory-${RUNS - 1}`);
    rows.push({
      what: 'group restore of 3 checkpoints with memory: revert calls to all resumed',
      value: ms(restore.totalMs),
      yardstick: `of which the resume calls ${ms(restore.resumeMs)}`,
      ratio: '-',
    });
  } finally {
    await cluster.close();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await groupCheckpointBench()) console.log(`| ${r.what} | ${r.value} | ${r.yardstick} | ${r.ratio} |`);
  process.exit(0);
}
