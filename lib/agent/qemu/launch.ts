// Start sequence of one VM: spawn QEMU paused (-S), attach QMP + serial, `cont`, confirm
// 'running'. A QEMU that refuses to start (missing kernel, locked disk, bad option) exits at
// once: its own stderr becomes the error, and nothing is left running.
import { appendFile, mkdir, rename, rm } from 'node:fs/promises';
import { qemuError, timeout } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import { buildQemuArgs } from './args';
import { isQemuFor, sendSignal, spawnQemu, waitForExit } from './process';
import {
  ensureSocketDir,
  fileSize,
  readRange,
  writeJson,
  type ExitRecord,
  type RunRecord,
  type VmPaths,
} from './vm-files';
import { VmSession } from './vm-session';

const SERIAL_LOG_ROTATE_BYTES = 1024 * 1024; // keep the previous boot's console, bounded
const START_TIMEOUT_MS = 30_000;

export type LaunchOptions = {
  binary: string;
  spec: VmSpec;
  paths: VmPaths; // VmRegistry.paths(spec)
  // Live migration target: QEMU waits for migrate-incoming (-incoming defer) and stays paused;
  // the migration code resumes it once the state (and disk) has arrived.
  incoming?: boolean;
  accelerator: 'kvm' | 'tcg';
  log: (msg: string) => void;
  onExit: (id: string, exit: ExitRecord) => void;
};

// QEMU's own words from this run's part of qemu.log, e.g.
// "qemu-system-x86_64: could not load kernel '/nope': No such file or directory".
async function qemuStderr(logPath: string, offset: number): Promise<string> {
  const text = await readRange(logPath, offset, 16 * 1024);
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
}

export async function launchVm(o: LaunchOptions): Promise<VmSession> {
  const { spec } = o;
  const { paths } = o;
  await mkdir(paths.runDir, { recursive: true });
  ensureSocketDir(paths);
  await Promise.all(
    [paths.qmpSocket, paths.serialSocket, paths.exit, paths.pidFile].map((f) => rm(f, { force: true })),
  );
  if ((await fileSize(paths.serialLog)) > SERIAL_LOG_ROTATE_BYTES)
    await rename(paths.serialLog, `${paths.serialLog}.1`);
  await appendFile(paths.qemuLog, `=== ${new Date().toISOString()} vmops start ===\n`);

  const argv = buildQemuArgs(spec, { accelerator: o.accelerator, paths, incoming: o.incoming });
  const serialLogOffset = await fileSize(paths.serialLog);
  const qemuLogOffset = await fileSize(paths.qemuLog);
  const { pid, child } = await spawnQemu(o.binary, argv, { logPath: paths.qemuLog, cwd: spec.vmDir });
  let exitCode: string | null = null;
  child.once('exit', (code, signal) => (exitCode = signal ?? `code ${code}`));

  const run: RunRecord = {
    pid,
    startedAt: new Date().toISOString(),
    accelerator: o.accelerator,
    serialLogOffset,
    readyScanFrom: serialLogOffset,
    qemuLogOffset,
    argv: [o.binary, ...argv],
  };
  await writeJson(paths.run, run);
  o.log(`VM ${spec.id}: spawned QEMU pid ${pid} (${o.accelerator})`);

  const failed = async (why: string): Promise<never> => {
    // Whatever state it is in, a half-started QEMU must not survive a failed start.
    if (isQemuFor(pid, spec.id)) {
      sendSignal(pid, 'SIGKILL');
      await waitForExit(pid, spec.id, 10_000);
    }
    await rm(paths.run, { force: true }); // it never ran: the VM stays 'shutoff'
    const words = await qemuStderr(paths.qemuLog, qemuLogOffset);
    throw qemuError(`start VM ${spec.id}`, words || why);
  };

  let session: VmSession | null = null;
  const until = Date.now() + START_TIMEOUT_MS;
  while (!session) {
    if (exitCode !== null) return failed(`QEMU exited (${exitCode}) during startup`);
    try {
      session = await VmSession.attach(
        { id: spec.id, paths, run, child, log: o.log, onExit: o.onExit },
        { qmpMs: 5_000 },
      );
    } catch (err) {
      if (Date.now() > until) {
        await failed(`QMP did not come up: ${(err as Error).message}`).catch(() => {});
        throw timeout(`Start of VM ${spec.id} (QMP socket)`, START_TIMEOUT_MS / 1000);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  if (o.incoming) return session; // 'inmigrate' until migrate-incoming has run
  try {
    await session.execute('cont');
    const st = await session.execute<{ status: string; running: boolean }>('query-status');
    if (!st.running) throw new Error(`QEMU reports '${st.status}' after cont`);
    session.status = 'running';
  } catch (err) {
    await session.detach();
    return failed((err as Error).message);
  }
  return session;
}
