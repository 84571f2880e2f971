// Where a replication send runs its block job: the running VM's own QMP session (QEMU serves one
// QMP client: everything goes through the registry's session), or, for a stopped VM, a
// qemu-storage-daemon opened on the VM's active qcow2 (its backing chain read-only) for the
// length of one send. The daemon's QMP socket lives in a private 0700 directory; the daemon is
// always ended by close() (SIGTERM: it closes the image cleanly, so the persistent bitmaps are
// written back without the in-use flag), and one a killed agent left behind is ended before the
// next send on that VM (its pid in <vmDir>/replication-daemon.pid).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { notSupported, qemuError } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import { activeDiskNode } from '../qemu/active-node';
import type { JobHost } from '../qemu/backup-live';
import { findStorageDaemon } from '../qemu/binaries';
import type { QemuContext } from '../qemu/context';
import { sendSignal } from '../qemu/process';
import { QmpClient } from '../qemu/qmp-client';
import { ON } from '../qemu/vm-registry';

export type BlockEngine = {
  host: JobHost;
  diskNode: string; // the node the guest's writes go to (the bitmaps live there)
  vmWasRunning: boolean;
  close(): Promise<void>;
};

const DAEMON_NODE = 'vmops-repl-disk';
const START_MS = 10_000;
const STOP_MS = 10_000;
const PID_FILE = 'replication-daemon.pid';

type Ctx = Pick<QemuContext, 'vms' | 'binary' | 'log'>;

// Called under the VM's lock: the VM cannot start or stop meanwhile.
export async function openBlockEngine(ctx: Ctx, spec: VmSpec): Promise<BlockEngine> {
  const state = (await ctx.vms.runtime(spec)).state;
  if (ON.includes(state)) {
    const s = await ctx.vms.expectSession(spec.id, ON);
    return { host: s, diskNode: await activeDiskNode(s), vmWasRunning: true, close: async () => {} };
  }
  return startDaemon(ctx, spec);
}

const cmdlineOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
};
const isDaemonFor = (pid: number, disk: string) => {
  const argv = cmdlineOf(pid);
  return !!argv && path.basename(argv[0]) === 'qemu-storage-daemon' && argv.some((a) => a.includes(disk));
};

async function waitGone(pid: number, disk: string, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 50)))
    if (!isDaemonFor(pid, disk)) return true;
  return !isDaemonFor(pid, disk);
}

async function endDaemon(pid: number, disk: string): Promise<void> {
  sendSignal(pid, 'SIGTERM');
  if (await waitGone(pid, disk, STOP_MS)) return;
  sendSignal(pid, 'SIGKILL');
  await waitGone(pid, disk, STOP_MS);
}

// Daemons of this agent process; one the pid file names that is not here is an earlier agent's.
const ownDaemons = new Set<number>();

// One of this agent's daemons (a stopped VM's send, a failback export) has the disk open: the VM
// must not start. An earlier agent's leftover is ended instead (nothing else would end it).
export async function daemonHolds(ctx: Pick<QemuContext, 'log'>, spec: VmSpec): Promise<boolean> {
  const pid = Number((await readFile(path.join(spec.vmDir, PID_FILE), 'utf8').catch(() => '')).trim());
  if (!(pid > 0 && isDaemonFor(pid, spec.diskPath))) return false;
  if (ownDaemons.has(pid)) return true;
  await endLeftover(ctx, spec);
  return false;
}

// A daemon of an earlier agent still holding the disk (it was killed mid-send).
async function endLeftover(ctx: Pick<QemuContext, 'log'>, spec: VmSpec): Promise<void> {
  const file = path.join(spec.vmDir, PID_FILE);
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (pid > 0 && isDaemonFor(pid, spec.diskPath)) {
    ctx.log(`VM ${spec.id}: ending leftover qemu-storage-daemon pid ${pid}`);
    await endDaemon(pid, spec.diskPath);
  }
  await rm(file, { force: true });
}

async function startDaemon(ctx: Ctx, spec: VmSpec): Promise<BlockEngine> {
  const bin = findStorageDaemon(ctx.binary);
  if (!bin) throw notSupported('Replication of a stopped VM', 'qemu-storage-daemon is not installed on this host');
  await endLeftover(ctx, spec);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vmops-qsd-')); // 0700
  const socket = path.join(dir, 'qmp.sock');
  const blockdev = { driver: 'qcow2', 'node-name': DAEMON_NODE, file: { driver: 'file', filename: spec.diskPath } };
  const args = [
    ...['--chardev', `socket,id=qmp,path=${socket},server=on,wait=off`],
    ...['--monitor', 'chardev=qmp'],
    ...['--blockdev', JSON.stringify(blockdev)],
  ];
  // Not detached: the daemon belongs to this send (its stderr pipe dies with the agent).
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let gone = false;
  void exited.then(() => (gone = true));
  child.once('error', () => {});
  const close = async () => {
    if (!gone && child.pid) await endDaemon(child.pid, spec.diskPath);
    if (child.pid) ownDaemons.delete(child.pid);
    await rm(path.join(spec.vmDir, PID_FILE), { force: true });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (!child.pid) throw qemuError('qemu-storage-daemon', `could not start ${bin}`);
    ownDaemons.add(child.pid);
    await writeFile(path.join(spec.vmDir, PID_FILE), `${child.pid}\n`);
    const qmp = await connectBounded(
      socket,
      () => gone,
      () => stderr,
    );
    const host: JobHost = {
      id: spec.id,
      qmp,
      execute: qmp.execute.bind(qmp),
      get isGone() {
        return gone || qmp.closed;
      },
    };
    return {
      host,
      diskNode: DAEMON_NODE,
      vmWasRunning: false,
      close: async () => {
        await qmp.close().catch(() => {});
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

// The socket appears once the daemon opened the image; a daemon that fails to open it exits.
async function connectBounded(socket: string, gone: () => boolean, stderr: () => string): Promise<QmpClient> {
  const until = Date.now() + START_MS;
  for (;;) {
    if (gone()) throw qemuError('qemu-storage-daemon', stderr().trim() || 'exited at start');
    try {
      return await QmpClient.connect(socket, { connectTimeoutMs: 2_000 });
    } catch (err) {
      if (Date.now() > until) throw qemuError('qemu-storage-daemon', `no QMP socket after ${START_MS} ms: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
