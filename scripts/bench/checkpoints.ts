// Snapshots and checkpoints (issue 11): the single-VM figures and the group part
// (checkpoints-group.ts), in one suite. Single VM, through the agent's HTTP API on real QEMU (TCG),
// a 128 MiB test guest:
//   - checkpoint with memory: the pause from the STOP to the RESUME event, QEMU's own downtime
//     figure, and the pause the guest sees: while the checkpoint runs, a prober keeps asking the
//     guest for its status over the serial line; the worst reply delay beyond the idle median is
//     what the guest's users would notice (background-snapshot resumes the guest at once, and its
//     writes then fault page by page until the state is saved);
//   - the yardstick: the same state written with the VM stopped throughout (what a stop-the-world
//     memory dump, as Proxmox or CloudStack do it, pauses the guest for);
//   - disk snapshot pause; revert of a checkpoint (request to the guest answering again) against a
//     disk snapshot revert of a running VM (a reboot to the guest ready).
// `tsx --conditions=react-server scripts/bench/checkpoints.ts` runs this suite alone.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitForOperation, type AgentClient, type Operation } from '@/lib/agent-client';
import { requireQemu } from '@/lib/agent/qemu/context';
import type { VmSession } from '@/lib/agent/qemu/vm-session';
import { pointRecordSchema, revertResultSchema } from '@/lib/agent-protocol/snapshots';
import { startQemuTestAgent, type QemuTestAgent } from '@/lib/testing/agents';
import { GUEST_DISK, guestBoot, REPO_DIR, waitGuestReady } from '@/lib/testing/guest';
import { groupCheckpointBench } from './checkpoints-group';
import { median, ms, type BenchRow } from './types';

const VM = 'bench-ckpt';
const RUNS = 5;
const REVERTS = 3;

// One status round trip over the serial line, timed from the send to the whole reply line.
function statusRoundTrip(s: VmSession, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const timer = setTimeout(() => done(new Error('no VMOPS-STATUS reply')), timeoutMs);
    const onLine = (line: string) => line.startsWith('VMOPS-STATUS') && done(null);
    const done = (err: Error | null) => {
      clearTimeout(timer);
      s.serial.off('line', onLine);
      if (err) reject(err);
      else resolve(performance.now() - t);
    };
    s.serial.on('line', onLine);
    s.sendLine('status').catch(done);
  });
}

// Round trips back to back until stop(); the slowest one.
function prober(s: VmSession) {
  let running = true;
  const rtts: number[] = [];
  const loop = (async () => {
    while (running) rtts.push(await statusRoundTrip(s));
  })();
  return async () => {
    running = false;
    await loop;
    return Math.max(...rtts);
  };
}

async function singleCheckpointBench(): Promise<BenchRow[]> {
  execFileSync('bash', [path.join(REPO_DIR, 'scripts/build-guest.sh')], { stdio: 'inherit' });
  const h: QemuTestAgent = await startQemuTestAgent('bench-ckpt');
  const c: AgentClient = h.client;
  const run = async (op: Operation) =>
    (await waitForOperation(c, op.id, undefined, { intervalMs: 50, timeoutMs: 300_000 })).result;
  const session = () => requireQemu(h.driver, 'bench').vms.expectSession(VM, ['running', 'paused']);
  let n = 0;
  const take = async (kind: 'disk' | 'memory') => {
    const t = performance.now();
    const p = pointRecordSchema.parse(await run(await c.takePoint(VM, { id: `bench-${kind}-${n++}`, kind })));
    return { p, totalMs: performance.now() - t };
  };
  try {
    await c.createVm({
      id: VM,
      name: VM,
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 64 * 1024 * 1024,
      baseImagePath: GUEST_DISK,
      boot: guestBoot(),
    });
    await waitGuestReady(c, VM);
    const s = await session();
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) idle.push(await statusRoundTrip(s));
    const idleRtt = median(idle);

    const memory: { pause: number; downtime: number; stall: number; total: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const stop = prober(await session());
      const { p, totalMs } = await take('memory');
      const slowest = await stop();
      memory.push({
        pause: p.pauseMs ?? NaN,
        downtime: p.downtimeMs ?? NaN,
        stall: Math.max(0, slowest - idleRtt),
        total: totalMs,
      });
      await run(await c.deletePoint(VM, p.id));
    }
    // Yardstick: the same state file written while the VM stays stopped (a stop-the-world dump).
    await (await session()).execute('stop');
    const dump = await take('memory');
    await (await session()).execute('cont');
    const disks: number[] = [];
    for (let i = 0; i < RUNS; i++) disks.push((await take('disk')).p.pauseMs ?? NaN);

    const cp = await take('memory');
    const memReverts: number[] = [];
    for (let i = 0; i < REVERTS; i++) {
      const t = performance.now();
      revertResultSchema.parse(await run(await c.revertPoint(VM, cp.p.id)));
      await statusRoundTrip(await session());
      memReverts.push(performance.now() - t);
    }
    const sn = await take('disk');
    const diskReverts: number[] = [];
    for (let i = 0; i < REVERTS; i++) {
      const t = performance.now();
      await run(await c.revertPoint(VM, sn.p.id));
      await waitGuestReady(c, VM);
      diskReverts.push(performance.now() - t);
    }

    const pause = median(memory.map((m) => m.pause));
    const stall = median(memory.map((m) => m.stall));
    const dumpMs = dump.totalMs;
    return [
      {
        what: `checkpoint with memory, 128 MiB guest: pause STOP to RESUME (median of ${RUNS}; max)`,
        value: `${ms(pause)} (max ${ms(Math.max(...memory.map((m) => m.pause)))})`,
        yardstick: 'target 20 ms',
        ratio: (pause / 20).toFixed(2),
      },
      {
        what: 'checkpoint with memory: QEMU downtime (query-migrate), median',
        value: ms(median(memory.map((m) => m.downtime))),
        yardstick: 'target 20 ms',
        ratio: (median(memory.map((m) => m.downtime)) / 20).toFixed(2),
      },
      {
        what: 'checkpoint with memory: pause the guest sees (worst status reply delay over the idle median), median',
        value: ms(stall),
        yardstick: `stop-the-world dump of the same state: ${ms(dumpMs)}`,
        ratio: (stall / dumpMs).toFixed(3),
      },
      {
        what: 'checkpoint with memory: request to point recorded (state file written), median',
        value: ms(median(memory.map((m) => m.total))),
        yardstick: `idle status round trip ${ms(idleRtt)}`,
        ratio: '-',
      },
      {
        what: `disk snapshot of a running VM: pause, median of ${RUNS}`,
        value: ms(median(disks)),
        yardstick: 'target 20 ms',
        ratio: (median(disks) / 20).toFixed(2),
      },
      {
        what: `revert to a checkpoint with memory: request to the guest answering, median of ${REVERTS}`,
        value: ms(median(memReverts)),
        yardstick: `disk snapshot revert (reboot) to guest ready: ${ms(median(diskReverts))}`,
        ratio: (median(memReverts) / median(diskReverts)).toFixed(2),
      },
    ];
  } finally {
    await h.stop();
  }
}

export async function checkpointsBench(): Promise<BenchRow[]> {
  return [...(await singleCheckpointBench()), ...(await groupCheckpointBench())];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const only = process.argv[2] === 'single' ? singleCheckpointBench : checkpointsBench;
  for (const r of await only()) console.log(`| ${r.what} | ${r.value} | ${r.yardstick} | ${r.ratio} |`);
  process.exit(0);
}
