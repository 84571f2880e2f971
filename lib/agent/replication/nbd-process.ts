// qemu-nbd for a receive session: a writable export of one `.partial` layer, on a free port of the
// address the dashboard reached this agent on, under a random export name. Not persistent: it
// exits once the source's client disconnects (that is how commit knows the copy is complete).
// --fork: the call returns once the server listens; its pid goes to the replica's nbd.pid so a
// restarted agent still finds (and kills) a stale one.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { qemuError } from '@/lib/errors';
import { freePort } from '@/lib/net/free-port';
import { sendSignal } from '../qemu/process';

const QEMU_NBD = process.env.VMOPS_QEMU_NBD ?? '/usr/bin/qemu-nbd';
const START_MS = 15_000;

export type NbdServer = { pid: number; host: string; port: number; exportName: string };

export async function startNbd(opts: {
  file: string;
  host: string;
  exportName: string;
  pidFile: string;
}): Promise<NbdServer> {
  const port = await freePort(opts.host);
  const args = [
    '-f',
    'qcow2',
    `--bind=${opts.host}`,
    `--port=${port}`,
    `--export-name=${opts.exportName}`,
    '--shared=1',
    '--fork',
    `--pid-file=${opts.pidFile}`,
    opts.file,
  ];
  await promisify(execFile)(QEMU_NBD, args, { timeout: START_MS }).catch((err: Error & { stderr?: string }) => {
    throw qemuError('qemu-nbd', (err.stderr || err.message).trim());
  });
  const pid = Number((await readFile(opts.pidFile, 'utf8')).trim());
  if (!nbdAlive(pid, path.dirname(opts.file))) throw qemuError('qemu-nbd', `qemu-nbd for ${opts.file} did not stay up`);
  return { pid, host: opts.host, port, exportName: opts.exportName };
}

// A live (not zombie) qemu-nbd serving a file of directory `dir` (a pid file may name a recycled pid).
export function nbdAlive(pid: number, dir: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!argv[0]?.endsWith('qemu-nbd') || !argv.some((a) => a.startsWith(`${dir}/`))) return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function waitNbdExit(pid: number, dir: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (nbdAlive(pid, dir)) {
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

// Kills the qemu-nbd a pid file names (if it still serves a file of `dir`), removes the pid file.
export async function killNbd(pidFile: string, dir: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (nbdAlive(pid, dir)) {
    sendSignal(pid, 'SIGTERM');
    if (!(await waitNbdExit(pid, dir, 5_000))) {
      sendSignal(pid, 'SIGKILL');
      await waitNbdExit(pid, dir, 5_000);
    }
  }
  await rm(pidFile, { force: true });
}
