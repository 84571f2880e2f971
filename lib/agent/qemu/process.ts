// QEMU processes: spawned so they OUTLIVE the agent (own session, stdio to a file, unref'd), and
// recognised later by pid + /proc/<pid>/cmdline (a recycled pid belongs to some other program).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { qemuError } from '@/lib/errors';

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
  const name = (argv[i + 1] ?? '').replace(/,,/g, '\u0000').split(',')[0].replace(/\u0000/g, ',');
  if (name !== vmId) return false;
  const stat = readProc(pid, 'stat');
  return !!stat && parseStat(stat)?.state !== 'Z';
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

// /proc/<pid>/stat: the command name (field 2) may contain spaces and parentheses, so fields are
// counted from the last ')'.
export function parseStat(stat: string): { state: string; utime: number; stime: number } | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const f = stat.slice(close + 2).split(' '); // f[0] is field 3 (state)
  return { state: f[0], utime: Number(f[11]), stime: Number(f[12]) };
}

export function parseVmRssBytes(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

let ticks: number | null = null;
function clockTicks(): number {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100; // USER_HZ is 100 on every Linux the agent targets
    }
  }
  return ticks;
}

export function procStats(pid: number): { cpuTimeMs: number; rssBytes: number } | null {
  const stat = readProc(pid, 'stat');
  const status = readProc(pid, 'status');
  const s = stat ? parseStat(stat) : null;
  if (!s || !status) return null;
  return { cpuTimeMs: Math.round(((s.utime + s.stime) * 1000) / clockTicks()), rssBytes: parseVmRssBytes(status) };
}
