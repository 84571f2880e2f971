import { describe, expect, it } from 'vitest';
import { cpuPctBetween, parseLoadavg, parseMeminfo, parsePidStat, parseProcStat } from './proc';

// Captured from a Debian 12 machine (2 cores).
const STAT_A = `cpu  21676 0 2910 35844 379 0 123 45 0 0
cpu0 12087 0 1468 16705 180 0 35 23 0 0
cpu1 9589 0 1442 19139 199 0 87 22 0 0
intr 2209839 0 9 0 0 0 0 0 0 0 0
ctxt 4150313
btime 1763775486
processes 7810
procs_running 2
procs_blocked 0
`;
const STAT_B = `cpu  21776 0 2960 35894 379 0 123 45 0 0
cpu0 12137 0 1493 16730 180 0 35 23 0 0
`;

const MEMINFO = `MemTotal:       24684084 kB
MemFree:        21032668 kB
MemAvailable:   24251068 kB
Buffers:           85328 kB
Cached:          3259044 kB
SwapCached:            0 kB
`;

// A QEMU process: the thread-ish name contains spaces and a ')' to exercise the last-paren rule.
const PID_STAT =
  '4242 (qemu-system-x86) S 1 4241 4241 0 -1 4194560 31012 0 1 0 1234 567 0 0 20 0 5 0 30668 1397755904 24576 18446744073709551615 1 1 0 0 0 0 0 4096 16963 0 0 0 17 1 0 0 0 0 0';
const TRICKY =
  '77 (CPU 0/TCG) (x)) R 1 77 77 0 -1 4194304 102 0 0 0 250 50 0 0 20 0 1 0 999 3133440 393 18446744073709551615';

describe('/proc parsers', () => {
  it('reads the aggregate cpu line, counting iowait as idle and leaving out guest time', () => {
    expect(parseProcStat(STAT_A)).toEqual({
      totalTicks: 21676 + 2910 + 35844 + 379 + 123 + 45,
      idleTicks: 35844 + 379,
    });
  });

  it('computes host cpu % from two readings', () => {
    // busy delta = 100 user + 50 system = 150; idle delta 50; total 200 -> 75%
    expect(cpuPctBetween(parseProcStat(STAT_A), parseProcStat(STAT_B))).toBe(75);
    expect(cpuPctBetween(parseProcStat(STAT_A), parseProcStat(STAT_A))).toBe(0);
  });

  it('rejects text without a cpu line', () => {
    expect(() => parseProcStat('intr 1 2 3\n')).toThrow(/no aggregate cpu line/);
  });

  it('reads meminfo as MemTotal - MemAvailable', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({
      totalBytes: 24684084 * 1024,
      availableBytes: 24251068 * 1024,
      usedBytes: (24684084 - 24251068) * 1024,
    });
    expect(() => parseMeminfo('MemTotal: 1 kB\n')).toThrow(/MemAvailable/);
  });

  it('reads loadavg', () => {
    expect(parseLoadavg('0.82 0.66 0.30 1/83 7736\n')).toEqual({ load1: 0.82, load5: 0.66, load15: 0.3 });
    expect(() => parseLoadavg('garbage')).toThrow();
  });

  it('reads utime/stime/rss from /proc/<pid>/stat', () => {
    const s = parsePidStat(PID_STAT);
    expect(s).toMatchObject({ state: 'S', utimeTicks: 1234, stimeTicks: 567, startTicks: 30668, rssPages: 24576 });
    expect(s.cpuTimeMs).toBe((1234 + 567) * 10);
  });

  it('splits after the last parenthesis of the command name', () => {
    expect(parsePidStat(TRICKY)).toMatchObject({ state: 'R', utimeTicks: 250, stimeTicks: 50, cpuTimeMs: 3000 });
  });
});
