// The DR bench's figures as rows: RPO against the target, bytes against the changed-block floor
// and a full copy, failover RTO against provisioning the same guest.
import { formatBytes } from '@/lib/format';
import type { DiskRecords } from '@/lib/testing/disk-records';
import type { measure } from './dr';
import { median, ms, quantile, type BenchRow } from './types';

type Measured = Awaited<ReturnType<typeof measure>>;

const sec = (n: number) => `${(n / 1000).toFixed(1)} s`;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const recordsText = (r: DiskRecords) => `${r.first}..${r.last} (${r.count} records, ${r.gaps} gaps)`;

function rpoRows(m: Measured, target: number, windowMs: number): BenchRow[] {
  const samples = `${m.rpoMs.length} samples, 1/s over ${windowMs / 1000} s; guest writing ${m.writeRate.toFixed(2)} records/s`;
  const row = (what: string, v: number): BenchRow => ({
    what: `RPO achieved, ${target / 1000} s interval: ${what} (${samples})`,
    value: sec(v),
    yardstick: `target <= ${target / 1000} s`,
    ratio: (v / target).toFixed(2),
  });
  const max = Math.max(...m.rpoMs);
  const peaks = m.runs.filter((r) => r.kind === 'incremental').map((r) => r.peakMs);
  return [
    row('median', median(m.rpoMs)),
    row('p95', quantile(m.rpoMs, 0.95)),
    {
      ...row('max', max),
      yardstick: `target <= ${target / 1000} s; minimum intervals: Proxmox storage replication 1 min, Xen Orchestra 10 min`,
      ratio: `${(max / target).toFixed(2)}; ${(max / 60_000).toFixed(2)} of 1 min`,
    },
    {
      what: `RPO peak, just before each incremental commit: commit - previous point's takenAt (max of ${peaks.length}; median ${sec(median(peaks))})`,
      value: sec(Math.max(...peaks)),
      yardstick: `target <= ${target / 1000} s`,
      ratio: (Math.max(...peaks) / target).toFixed(2),
    },
    {
      what: `point to next point, takenAt (median of ${m.pointGapsMs.length}; max ${sec(Math.max(...m.pointGapsMs))})`,
      value: sec(median(m.pointGapsMs)),
      yardstick: `interval ${target / 1000} s`,
      ratio: (median(m.pointGapsMs) / target).toFixed(2),
    },
  ];
}

function bytesRows(m: Measured, target: number): BenchRow[] {
  const inc = m.runs.filter((r) => r.kind === 'incremental' && r.floor > 0);
  const full = m.runs[0];
  const sent = sum(inc.map((r) => r.bytesSent));
  const changed = sum(inc.map((r) => r.records * 512));
  const floor = sum(inc.map((r) => r.floor));
  return [
    {
      what: `incremental run, start to commit (median of ${inc.length}; max ${ms(Math.max(...inc.map((r) => r.durationMs)))})`,
      value: ms(median(inc.map((r) => r.durationMs))),
      yardstick: `interval ${target / 1000} s`,
      ratio: (median(inc.map((r) => r.durationMs)) / target).toFixed(3),
    },
    {
      what: `bytes sent per incremental run (median of ${inc.length})`,
      value: formatBytes(median(inc.map((r) => r.bytesSent))),
      yardstick:
        `floor: the ${formatBytes(m.granule)} clusters (bitmap granules) the run's records touch, median ` +
        `${formatBytes(median(inc.map((r) => r.floor)))} (median ${median(inc.map((r) => r.records))} records of 512 B)`,
      ratio: median(inc.map((r) => r.bytesSent / r.floor)).toFixed(2),
    },
    {
      what: `bytes sent, all ${inc.length} incremental runs`,
      value: formatBytes(sent),
      yardstick: `changed: ${formatBytes(changed)} in ${changed / 512} records; cluster floor ${formatBytes(floor)}`,
      ratio: `${(sent / changed).toFixed(1)} of changed; ${(sent / floor).toFixed(2)} of floor`,
    },
    {
      what: `first run (full copy): bytes sent, in ${ms(full.durationMs)}`,
      value: formatBytes(full.bytesSent),
      yardstick: `disk virtual size ${formatBytes(m.virtualSize)}`,
      ratio: (full.bytesSent / m.virtualSize).toFixed(2),
    },
  ];
}

function failoverRows(m: Measured): BenchRow[] {
  const rto = median(m.trials.map((t) => t.rtoMs));
  const running = median(m.trials.map((t) => t.runningMs));
  const span = `min ${ms(Math.min(...m.trials.map((t) => t.rtoMs)))}, max ${ms(Math.max(...m.trials.map((t) => t.rtoMs)))}`;
  return [
    {
      what: `unplanned failover RTO: task queued -> replica guest ready on site dr (median of ${m.trials.length}; ${span})`,
      value: ms(rto),
      yardstick: `a new VM of the same image, queued -> guest ready: ${ms(m.createMs)}`,
      ratio: (rto / m.createMs).toFixed(2),
    },
    {
      what: `unplanned failover: task queued -> replica QEMU running (task done), median of ${m.trials.length}`,
      value: ms(running),
      yardstick: `RTO ${ms(rto)}`,
      ratio: (running / rto).toFixed(2),
    },
    {
      what: 'unplanned failover: records on the replica (read by its guest)',
      value: recordsText(m.held),
      yardstick: `acknowledged by the point's takenAt: ${m.ackedByPoint}; the source wrote up to ${m.lostUpTo} before the failover`,
      ratio: '-',
    },
  ];
}

function failbackRows(m: Measured): BenchRow[] {
  const f = m.failback;
  const full = `full copy: ${formatBytes(m.virtualSize)}`;
  const first = f.first.bytesSent + f.first.bytesPulled;
  return [
    {
      what: `failback, first reverse run: bytes pulled back (site main's own writes since the point) + sent (site dr's writes), in ${ms(f.first.durationMs)}`,
      value: `${formatBytes(f.first.bytesPulled)} + ${formatBytes(f.first.bytesSent)}`,
      yardstick: full,
      ratio: (first / m.virtualSize).toFixed(4),
    },
    {
      what: `failback, switch back (replica stopped, final reverse run of ${formatBytes(f.final.bytesSent)}, demote, VM started): queued -> guest ready on site main`,
      value: ms(f.switchMs),
      yardstick: `RTO of a failover ${ms(median(m.trials.map((t) => t.rtoMs)))}`,
      ratio: (f.switchMs / median(m.trials.map((t) => t.rtoMs))).toFixed(2),
    },
    {
      what: 'failback, all reverse bytes (first + final run)',
      value: formatBytes(first + f.final.bytesSent),
      yardstick: full,
      ratio: ((first + f.final.bytesSent) / m.virtualSize).toFixed(4),
    },
    {
      what: 'failback: records on the VM back on site main (read by its guest)',
      value: recordsText(f.held),
      yardstick: `written on site dr by the switch back: ${f.written}`,
      ratio: '-',
    },
    {
      what: `first forward run after the switch back: ${f.forward.kind}`,
      value: formatBytes(f.forward.bytesSent),
      yardstick: full,
      ratio: (f.forward.bytesSent / m.virtualSize).toFixed(4),
    },
  ];
}

export function drRows(m: Measured, o: { intervalSec: number; windowMs: number }): BenchRow[] {
  const target = o.intervalSec * 1000;
  return [...rpoRows(m, target, o.windowMs), ...bytesRows(m, target), ...failoverRows(m), ...failbackRows(m)];
}
