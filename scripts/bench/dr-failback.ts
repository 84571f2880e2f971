// The DR bench's failback part, after the unplanned failover of a job whose source had written
// records the last point missed: the replica (the VM now, on site dr) writes more records, the
// failback starts (the first reverse run pulls site main's own writes back from the replica and
// pushes the replica's writes since the failover point into the original disk, in place), the
// replica writes again, the switch back (replica stopped, final reverse run, demote, VM started on
// site main) completes, and one forward run follows. Bytes against a full copy of the disk.
import { db } from '@/lib/db/client';
import type { DrJobDto } from '@/lib/domain/dr/dto';
import { failback } from '@/lib/domain/dr/failback';
import { runNow } from '@/lib/domain/dr/service';
import type { ClusterHost } from '@/lib/testing/cluster';
import { parseRecords, type DiskRecords } from '@/lib/testing/disk-records';
import { admin } from '@/lib/testing/fixtures';
import { records, waitGuestReady } from '@/lib/testing/guest';
import { settled } from '@/lib/testing/tasks';
import { writeRecords } from './dr-load';

export type FailbackResult = {
  first: { bytesSent: number; bytesPulled: number; durationMs: number };
  final: { bytesSent: number; durationMs: number };
  forward: { kind: string; bytesSent: number };
  switchMs: number; // complete queued -> the VM's guest ready on site main
  held: DiskRecords; // read by the VM's guest back on site main
  written: number; // the newest record the replica acknowledged before the switch back
};

async function task(taskId: string, what: string) {
  const t = await settled(taskId);
  if (t.state !== 'succeeded') throw new Error(`${what}: ${t.error?.message}`);
  return db().task.findUniqueOrThrow({ where: { id: taskId } });
}

const runOf = (taskId: string) => db().replicationRun.findFirstOrThrow({ where: { taskId, status: 'succeeded' } });

export async function failbackTrial(job: DrJobDto, main: ClusterHost, dr: ClusterHost): Promise<FailbackResult> {
  const replicaId = job.replica.id;
  await writeRecords(dr.client, replicaId, 20);
  const started = await failback(admin, job.id, { action: 'start' });
  await task(started.taskId, 'failback start (first reverse run)');
  const first = await runOf(started.taskId);
  const written = await writeRecords(dr.client, replicaId, 5);
  const completed = await failback(admin, job.id, { action: 'complete' });
  const switched = await task(completed.taskId, 'failback complete (switch back)');
  await waitGuestReady(main.client, job.vm.id);
  const switchMs = Date.now() - switched.createdAt.getTime();
  const final = await runOf(completed.taskId);
  const held = parseRecords(await records(main.client, job.vm.id));
  const forward = await runOf((await task((await runNow(admin, job.id)).taskId, 'forward run after failback')).id);
  return {
    first: {
      bytesSent: Number(first.bytesSent),
      bytesPulled: Number(first.bytesPulled),
      durationMs: first.durationMs!,
    },
    final: { bytesSent: Number(final.bytesSent), durationMs: final.durationMs! },
    forward: { kind: forward.kind!, bytesSent: Number(forward.bytesSent) },
    switchMs,
    held,
    written,
  };
}
