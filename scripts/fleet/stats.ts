// What the fleet did since the last summary line: heartbeats answered and failed, their latency,
// agent API calls that changed something or failed; and this process's RSS and CPU.
import { errorMessage } from '@/lib/errors';

export type FleetStats = ReturnType<typeof createFleetStats>;

export function createFleetStats() {
  let beats = 0;
  let vmSamples = 0;
  let failures = 0;
  let lastError = '';
  let latencies: number[] = [];
  let since = performance.now();
  let cpu = process.cpuUsage();
  return {
    enrolled: 0,
    apiCalls: 0,
    beat(ms: number, vms: number) {
      beats++;
      vmSamples += vms;
      latencies.push(ms);
    },
    failed(err: unknown) {
      failures++;
      lastError = errorMessage(err);
    },
    // One line, and the counters start again.
    summary(hosts: number): string {
      const seconds = (performance.now() - since) / 1000;
      const used = process.cpuUsage(cpu);
      const cpuPct = ((used.user + used.system) / 1e6 / seconds) * 100;
      const sorted = latencies.sort((a, b) => a - b);
      const p95 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] : NaN;
      const line =
        `hosts enrolled ${this.enrolled}/${hosts}; heartbeats ${(beats / seconds).toFixed(1)}/s ` +
        `(${(vmSamples / seconds).toFixed(0)} VM samples/s, p95 ${Number.isNaN(p95) ? '-' : `${p95.toFixed(0)} ms`}), ` +
        `${failures} failed${failures ? ` (last: ${lastError.slice(0, 160)})` : ''}; ` +
        `agent API calls (changes, failures) ${this.apiCalls}; RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB, CPU ${cpuPct.toFixed(0)}%`;
      beats = vmSamples = failures = this.apiCalls = 0;
      latencies = [];
      since = performance.now();
      cpu = process.cpuUsage();
      return line;
    },
  };
}
