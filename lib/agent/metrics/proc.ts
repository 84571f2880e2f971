// Pure parsers for the /proc files the sampler reads, plus thin readers. Kept pure so they are
// tested against real sample text without a live /proc.
import { readFile } from 'node:fs/promises';

// USER_HZ: the unit of /proc tick counters. Linux fixes it at 100 for user space on every
// mainstream architecture (sysconf(_SC_CLK_TCK)), and Node offers no sysconf.
export const CLOCK_TICKS_PER_SECOND = 100;

export type CpuTimes = { totalTicks: number; idleTicks: number };

// First line of /proc/stat: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
// guest/guest_nice are already counted inside user/nice, so they are not added again.
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const n = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (n.length < 4 || n.some((v) => !Number.isFinite(v))) throw new Error(`unreadable /proc/stat cpu line: ${line}`);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
  return { totalTicks: user + nice + system + idle + iowait + irq + softirq + steal, idleTicks: idle + iowait };
}

// Busy share of all CPUs between two readings, 0..100 (host-wide, so 100 = every core busy).
export function cpuPctBetween(before: CpuTimes, after: CpuTimes): number {
  const total = after.totalTicks - before.totalTicks;
  if (total <= 0) return 0;
  const busy = total - (after.idleTicks - before.idleTicks);
  return clampPct((busy / total) * 100);
}

export type MemInfo = { totalBytes: number; availableBytes: number; usedBytes: number };

// Used = MemTotal - MemAvailable: the kernel's own estimate of what can be handed out without
// swapping, so page cache does not count as used.
export function parseMeminfo(text: string): MemInfo {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/meminfo has no ${key}`);
    return Number(m[1]) * 1024;
  };
  const totalBytes = kib('MemTotal');
  const availableBytes = kib('MemAvailable');
  return { totalBytes, availableBytes, usedBytes: totalBytes - availableBytes };
}

export type LoadAvg = { load1: number; load5: number; load15: number };

export function parseLoadavg(text: string): LoadAvg {
  const [load1, load5, load15] = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (![load1, load5, load15].every(Number.isFinite)) throw new Error(`unreadable /proc/loadavg: ${text}`);
  return { load1, load5, load15 };
}

export type PidStat = {
  state: string;
  utimeTicks: number;
  stimeTicks: number;
  cpuTimeMs: number;
  startTicks: number;
  rssPages: number;
};

// /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself contain spaces
// and ')' (QEMU threads are named "CPU 0/TCG"), so split after the LAST ')'.
export function parsePidStat(text: string): PidStat {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('unreadable /proc/<pid>/stat');
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/); // f[0] is field 3 (state)
  const num = (field: number) => Number(f[field - 3]);
  const utimeTicks = num(14);
  const stimeTicks = num(15);
  if (!Number.isFinite(utimeTicks) || !Number.isFinite(stimeTicks))
    throw new Error('unreadable /proc/<pid>/stat times');
  return {
    state: f[0],
    utimeTicks,
    stimeTicks,
    cpuTimeMs: ((utimeTicks + stimeTicks) * 1000) / CLOCK_TICKS_PER_SECOND,
    startTicks: num(22),
    rssPages: num(24),
  };
}

export function clampPct(v: number, max = 100): number {
  return Math.min(max, Math.max(0, Math.round(v * 10) / 10));
}

export const readProcStat = async () => parseProcStat(await readFile('/proc/stat', 'utf8'));
export const readMeminfo = async () => parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
export const readLoadavg = async () => parseLoadavg(await readFile('/proc/loadavg', 'utf8'));
export const readPidStat = async (pid: number) => parsePidStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
