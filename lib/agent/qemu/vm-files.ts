// Everything the driver keeps about a VM lives in its directory, so an agent that restarts (or a
// second agent build) can pick up QEMU processes that outlived the previous one:
//   vm.json   the VmSpec (written by defineVm)
//   run.json  the current/last run: pid, start time, accelerator, log offsets
//   exit.json how the last run ended (clean or not), written when the process is seen gone
//   serial.log / qemu.log  guest console (QEMU's chardev logfile) and QEMU's own stderr
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Accelerator } from '@/lib/agent-protocol/core';

export type VmPaths = {
  runDir: string;
  spec: string;
  run: string;
  exit: string;
  serialLog: string;
  qemuLog: string;
  pidFile: string;
  qmpSocket: string;
  serialSocket: string;
  socketDir: string;
};

export type RunRecord = {
  pid: number;
  startedAt: string; // ISO
  accelerator: Accelerator;
  serialLogOffset: number; // serial.log size when this run started
  readyScanFrom: number; // where to look for the ready line (moves on guest reset)
  readyOnArrival?: boolean; // migrated in with its ready line printed on the source's console
  qemuLogOffset: number;
  argv: string[]; // for the admin reading the directory; not used to restart
};

export type ExitRecord = { pid: number; at: string; clean: boolean; reason: string };

// sockaddr_un holds 108 bytes: deep pool paths move the sockets to a short directory derived
// from the VM directory, so a restarted agent finds them again without any other state.
const MAX_SOCKET_PATH = 100;

// runDir holds the files of this host's runs (a VM in a shared pool has one per host, see
// VmRegistry.paths); vm.json always sits in vmDir.
export function vmPaths(vmDir: string, runDir = vmDir): VmPaths {
  let socketDir = runDir;
  if (path.join(runDir, 'serial.sock').length > MAX_SOCKET_PATH) {
    const h = createHash('sha256').update(path.resolve(runDir)).digest('hex').slice(0, 16);
    socketDir = path.join(os.tmpdir(), 'vmops-sockets', h);
  }
  return {
    runDir,
    spec: path.join(vmDir, 'vm.json'),
    run: path.join(runDir, 'run.json'),
    exit: path.join(runDir, 'exit.json'),
    serialLog: path.join(runDir, 'serial.log'),
    qemuLog: path.join(runDir, 'qemu.log'),
    pidFile: path.join(runDir, 'qemu.pid'),
    qmpSocket: path.join(socketDir, 'qmp.sock'),
    serialSocket: path.join(socketDir, 'serial.sock'),
    socketDir,
  };
}

export function ensureSocketDir(p: VmPaths) {
  mkdirSync(p.socketDir, { recursive: true, mode: 0o700 });
}

export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

// tmp + rename: a crash mid-write never leaves a truncated vm.json behind.
let tmpSeq = 0;
export async function writeJson(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${++tmpSeq}`; // unique: two writers may overlap
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

// Reads bytes [from, to) (to = end of file by default), at most maxBytes from the end.
export async function readRange(file: string, from: number, maxBytes = 4 * 1024 * 1024): Promise<string> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(from, size - maxBytes, 0);
    if (start >= size) return '';
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

// Whole lines (newline-terminated, CR stripped: the guest tty writes CRLF) and, apart, the
// unfinished tail the guest is still writing. A reader waiting for a reply must never see half of
// it as a line ("VMOPS-RECORDS first=1" of "... first=1 last=12 ..."): `lines` holds whole lines only.
export type ConsoleTail = { lines: string[]; partial: string };

export function splitConsole(text: string, n: number): ConsoleTail {
  const lines = text.replace(/\r/g, '').split('\n');
  const partial = lines.pop() ?? '';
  return { lines: n > 0 ? lines.slice(-n) : [], partial };
}

// Last `n` whole lines of a console log. Reads growing windows from the end so a large log costs
// only what is shown.
export async function tailLines(file: string, n: number): Promise<ConsoleTail> {
  const size = await fileSize(file);
  for (let window = 64 * 1024; ; window *= 4) {
    const text = await readRange(file, Math.max(0, size - window), window);
    const complete = window >= size || text.split('\n').length > n + 1; // the first line may be cut otherwise
    if (complete || window >= 16 * 1024 * 1024) return splitConsole(text, n);
  }
}

export const READY_LINE = 'VMOPS-READY';
export const hasReadyLine = (text: string) => text.split('\n').some((l) => l.replace(/\r/g, '').startsWith(READY_LINE));

// How a run ended, from the last SHUTDOWN event (if the agent saw it) and the console.
// -no-reboot turns a guest reboot into an exit, and panic=-1 turns a panic into a reboot, so a
// "guest-reset" is a crash only when the console shows a panic.
const CLEAN_REASONS = new Set(['guest-shutdown', 'host-qmp-quit', 'host-signal', 'host-ui', 'vmops-kill']);
const POWER_DOWN = /reboot: Power down|VMOPS-POWEROFF/;
const PANIC = /Kernel panic/;

export function exitVerdict(
  shutdownReason: string | null,
  consoleSinceStart: string,
): { clean: boolean; reason: string } {
  if (shutdownReason === 'guest-reset') {
    return PANIC.test(consoleSinceStart)
      ? { clean: false, reason: 'guest kernel panic' }
      : { clean: true, reason: 'guest-reset (rebooted; -no-reboot exits)' };
  }
  if (shutdownReason === 'guest-panic') return { clean: false, reason: 'guest-panic' };
  if (shutdownReason && CLEAN_REASONS.has(shutdownReason)) return { clean: true, reason: shutdownReason };
  // No SHUTDOWN event seen (the agent was not attached, or QEMU died): trust the console.
  if (POWER_DOWN.test(consoleSinceStart.slice(-8192))) return { clean: true, reason: 'guest powered off (console)' };
  return { clean: false, reason: shutdownReason ?? 'QEMU exited without a clean shutdown' };
}
