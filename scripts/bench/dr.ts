// Disaster recovery (issue 12): three real agents (m1, m2 in site main; dr1 in site dr with its own
// shared dir), the services, the real worker runner and the worker's 2 s replication tick, on real
// QEMU (TCG). The test guest on m1 writes one record every 500 ms through its serial console while
// a 15 s replication job runs for WINDOW_MS:
//   - RPO achieved: now - newest point's takenAt, sampled every second (median, p95, max);
//   - bytes per incremental run against the bytes the guest changed between the points (records of
//     512 B; the floor is the distinct bitmap granules they touch, as the copy goes by granule);
//   - unplanned failover RTO: task queued -> replica guest ready on site dr, median of 3 (two more
//     guests, protected with a day's interval, are failed over after the window), and the records
//     the failed-over replica holds against those acknowledged by its point's takenAt;
//   - failback of the first guest (dr-failback.ts): reverse bytes against a full copy, the switch
//     back's duration, the records back on site main, the next forward run.
// `tsx --conditions=react-server scripts/bench/dr.ts` runs this suite alone.
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { db } from '@/lib/db/client';
import { activeDrTask } from '@/lib/domain/dr/checks';
import type { DrJobDto } from '@/lib/domain/dr/dto';
import { failover } from '@/lib/domain/dr/failover';
import { createJob } from '@/lib/domain/dr/service';
import { createVm } from '@/lib/domain/vms/service';
import { startCluster, type Cluster, type ClusterHost } from '@/lib/testing/cluster';
import { parseRecords } from '@/lib/testing/disk-records';
import { admin, seedUsers } from '@/lib/testing/fixtures';
import { records, waitGuestReady } from '@/lib/testing/guest';
import { settled } from '@/lib/testing/tasks';
import { createTestDb } from '@/lib/testing/test-db';
import { sleep, waitFor } from '@/lib/wait-for';
import { failbackTrial } from './dr-failback';
import { granulesTouched, guestWriter, writeRecords, replicationTicker, rpoSampler, seqAt, type Ack } from './dr-load';
import { drRows } from './dr-rows';
import type { BenchRow } from './types';

const WINDOW_MS = 120_000;
const INTERVAL_SEC = 15;
const log = (msg: string) => console.log(`  ${msg}`);

async function guest(imageId: string, host: ClusterHost, name: string): Promise<string> {
  const { taskId, vmId } = await createVm(admin, {
    name,
    imageId,
    hostId: host.hostId,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeGiB: 0.0625,
    haEnabled: false,
    tags: [],
  });
  const t = await settled(taskId);
  if (t.state !== 'succeeded') throw new Error(`create ${name}: ${t.error?.message}`);
  await waitGuestReady(host.client, vmId);
  return vmId;
}

// A job's first point committed (its run must not fail).
const firstPoint = (jobId: string) =>
  waitFor(
    `job ${jobId}: first point`,
    async () => {
      const failed = await db().replicationRun.findFirst({ where: { jobId, status: 'failed' } });
      if (failed) throw new Error(`run failed: ${failed.error}`);
      return db().replicaPoint.findFirst({ where: { jobId } });
    },
    300_000,
    250,
  );

// The unit an incremental run copies: the replication bitmap's granularity, QEMU's default for a
// qcow2 disk = its cluster size (a running VM's persistent bitmaps reach the file only at close).
function clusterSize(diskPath: string): number {
  const info = JSON.parse(
    execFileSync('qemu-img', ['info', '-U', '--output=json', diskPath], { encoding: 'utf8', timeout: 30_000 }),
  ) as { 'cluster-size': number };
  return info['cluster-size'];
}

type Trial = { rtoMs: number; runningMs: number };

// Unplanned failover of a protected VM: task queued -> replica QEMU running (task done) and ->
// the replica's guest ready on site dr.
async function failoverTrial(job: DrJobDto, dr: ClusterHost): Promise<Trial> {
  const { taskId } = await failover(admin, job.id, { planned: false });
  const ready = waitFor(
    `${job.replica.id} guest ready`,
    async () => (await dr.client.getVm(job.replica.id)).guestReady && Date.now(),
    180_000,
    100,
  );
  ready.catch(() => undefined); // awaited below once the task succeeded; a failed task throws first
  const t = await settled(taskId);
  if (t.state !== 'succeeded') throw new Error(`failover of ${job.vm.name}: ${t.error?.message}`);
  const readyAt = await ready;
  const row = await db().task.findUniqueOrThrow({ where: { id: taskId } });
  const trial = {
    rtoMs: readyAt - row.createdAt.getTime(),
    runningMs: row.finishedAt!.getTime() - row.createdAt.getTime(),
  };
  log(`failover of ${job.vm.name}: ${JSON.stringify(trial)}`);
  return trial;
}

// peakMs: the RPO just before this run's commit (its finish - the previous point's takenAt).
type Run = {
  kind: string;
  bytesSent: number;
  durationMs: number;
  records: number;
  floor: number;
  peakMs: number;
};

export async function measure(c: Cluster) {
  const [m1, , dr1] = c.hosts;
  const imageId = await c.importGuest();
  const t0 = Date.now();
  const vmId = await guest(imageId, m1, 'dr-bench-1');
  const createMs = Date.now() - t0;
  const others = await Promise.all([guest(imageId, m1, 'dr-bench-2'), guest(imageId, m1, 'dr-bench-3')]);

  const stopTick = replicationTicker(log);
  const stopWriter = guestWriter(m1.client, vmId);
  let acks: Ack[] = [];
  try {
    const job = await createJob(admin, { vmId, targetHostId: dr1.hostId, intervalSec: INTERVAL_SEC, keepPoints: 8 });
    // The failover trials' guests: one full copy each now, nothing more within the bench.
    const spare = await Promise.all(
      others.map((id) => createJob(admin, { vmId: id, targetHostId: dr1.hostId, intervalSec: 86_400, keepPoints: 8 })),
    );
    await firstPoint(job.id);
    const sampler = rpoSampler(job.id);
    await sleep(WINDOW_MS);
    const { rpoMs, takenAt } = await sampler();
    acks = await stopWriter();
    await stopTick();
    for (const j of [job, ...spare]) {
      await firstPoint(j.id);
      await waitFor(`job ${j.id} idle`, async () => !(await activeDrTask(j.id)), 120_000, 250);
    }
    for (const p of await db().replicaPoint.findMany({ where: { jobId: job.id } }))
      takenAt.set(p.id, p.takenAt.getTime());

    const granule = clusterSize((await m1.client.getVm(vmId)).diskPath);
    const runs: Run[] = [];
    let prevSeq: number | null = null;
    let prevTakenAt = 0;
    for (const r of await db().replicationRun.findMany({ where: { jobId: job.id }, orderBy: { startedAt: 'asc' } })) {
      if (r.status !== 'succeeded') throw new Error(`run ${r.id} ${r.status}: ${r.error}`);
      const at = takenAt.get(r.pointId!)!;
      const seq = seqAt(acks, at);
      runs.push({
        kind: r.kind!,
        bytesSent: Number(r.bytesSent),
        durationMs: r.durationMs!,
        records: prevSeq === null ? seq : seq - prevSeq,
        floor: prevSeq === null ? 0 : granulesTouched(prevSeq + 1, seq, granule) * granule,
        peakMs: prevSeq === null ? 0 : r.finishedAt!.getTime() - prevTakenAt,
      });
      // Where a point-to-point gap goes: previous takenAt -> task queued -> run started -> takenAt -> commit.
      const queuedAt = (await db().task.findUniqueOrThrow({ where: { id: r.taskId! } })).createdAt.getTime();
      const phases = [queuedAt - prevTakenAt, r.startedAt.getTime() - queuedAt, at - r.startedAt.getTime()];
      log(`run: ${JSON.stringify(runs.at(-1))}${prevSeq === null ? '' : ` gap phases ms: ${phases.join(' / ')}`}`);
      prevSeq = seq;
      prevTakenAt = at;
    }
    const times = [...takenAt.values()].sort((x, y) => x - y);
    const newest = await db().replicaPoint.findFirstOrThrow({ where: { jobId: job.id }, orderBy: { takenAt: 'desc' } });
    // Writes after the newest point: lost by the unplanned failover, pulled back over at the failback.
    const lostUpTo = await writeRecords(m1.client, vmId, 10);
    const trials = [await failoverTrial(job, dr1)];
    await waitGuestReady(dr1.client, job.replica.id);
    const held = parseRecords(await records(dr1.client, job.replica.id));
    for (const j of spare) trials.push(await failoverTrial(j, dr1));
    const failback = await failbackTrial(job, m1, dr1);
    return {
      rpoMs,
      runs,
      granule,
      createMs,
      trials,
      held,
      ackedByPoint: seqAt(acks, newest.takenAt.getTime()),
      lostUpTo,
      pointGapsMs: times.slice(1).map((t, i) => t - times[i]),
      virtualSize: Number((await db().vm.findUniqueOrThrow({ where: { id: vmId } })).diskSizeBytes),
      writeRate: acks.length / ((acks.at(-1)!.at - acks[0].at) / 1000),
      failback,
    };
  } finally {
    await stopWriter().catch(() => undefined);
    await stopTick();
  }
}

export async function drBench(): Promise<BenchRow[]> {
  const testDb = createTestDb();
  let c: Cluster | null = null;
  try {
    await seedUsers();
    c = await startCluster(['m1', 'm2', 'dr1@dr']);
    return drRows(await measure(c), { intervalSec: INTERVAL_SEC, windowMs: WINDOW_MS });
  } finally {
    await c?.close();
    testDb.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await drBench()) console.log(`| ${r.what} | ${r.value} | ${r.yardstick} | ${r.ratio} |`);
  process.exit(0);
}
