// QEMU processes: spawned so they OUTLIVE the agent (own session, stdio to a file, unref'd), and
// recognised later by pid + /proc/<pid>/cmdline (a recycled pid belongs to some other program).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { qemuError } from '@/lib/errors';
import { parsePidStat } from '../metrics/proc';

export type Spawned = { pid: number; child: ChildProcess };

// setsid via detached:true: a SIGINT/SIGHUP to the agent's process group or terminal does not
// reach QEMU. stdout/stderr go to qemu.log (a pipe would die with the agent and SIGPIPE QEMU).
export function spawnQemu(binary: string, args: string[], opts: { logPath: string; cwd: string }): Promise<Spawned> {
  const fd = openSync(opts.logPath, 'a');
  return new Promise<Spawned>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(binary, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', fd, fd] });
    } catch (err) {
      reject(qemuError('spawn QEMU', (err as Error).message));
      return;
    }
    child.once('error', (err) => reject(qemuError('spawn QEMU', `${binary}: ${err.message}`)));
    child.once('spawn', () => {
      child.unref(); // the agent may exit while QEMU runs on; Node still reaps it if it exits first
      resolve({ pid: child.pid!, child });
    });
  }).finally(() => closeSync(fd)); // the child has its own copy
}

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

// True when `pid` is a live (not zombie) QEMU started for VM `vmId`: its argv has `-name <id>,...`.
export function isQemuFor(pid: number, vmId: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const cmdline = readProc(pid, 'cmdline'); // empty for a zombie
  if (!cmdline) return false;
  const argv = cmdline.split('\0');
  const i = argv.indexOf('-name');
  if (i < 0) return false;
  const name = (argv[i + 1] ?? '')
    .replace(/,,/g, '\u0000')
    .split(',')[0]
    .replace(/\u0000/g, ',');
  if (name !== vmId) return false;
  const stat = readProc(pid, 'stat');
  try {
    return !!stat && parsePidStat(stat).state !== 'Z';
  } catch {
    return false;
  }
}

export async function waitForExit(pid: number, vmId: string, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (!isQemuFor(pid, vmId)) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function sendSignal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function parseVmRssBytes(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

export function procStats(pid: number): { cpuTimeMs: number; rssBytes: number } | null {
  const stat = readProc(pid, 'stat');
  const status = readProc(pid, 'status');
  if (!stat || !status) return null;
  try {
    return { cpuTimeMs: Math.round(parsePidStat(stat).cpuTimeMs), rssBytes: parseVmRssBytes(status) };
  } catch {
    return null; // the process went away between the two reads
  }
}
