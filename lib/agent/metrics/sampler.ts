// Every interval: sample the host (/proc) and each VM (driver.vmStats) and push one Heartbeat to
// the dashboard. A failed push is logged and simply retried with the next tick's fresher sample;
// nothing here may crash the agent.
import { errorMessage } from '@/lib/errors';
import type { Driver } from '../driver/types';
import type { AgentInfo, Heartbeat, HostSample, VmRuntime, VmSample } from '@/lib/agent-protocol/core';
import { clampPct, cpuPctBetween, readLoadavg, readMeminfo, readProcStat, type CpuTimes } from './proc';

export type HostReader = {
  cpu(): Promise<CpuTimes>;
  memory(): Promise<{ totalBytes: number; usedBytes: number }>;
  load(): ReturnType<typeof readLoadavg>;
};

export const procHostReader: HostReader = { cpu: readProcStat, memory: readMeminfo, load: readLoadavg };

type CpuMark = { cpuTimeMs: number; atMs: number };

// Per-VM CPU as a share of the VM's own vCPUs: 100 = every vCPU busy, whatever the vCPU count.
// Raw process CPU time can exceed wall time with several vCPUs (2 busy vCPUs = 200% of one
// core); dividing by vcpus keeps VMs of different sizes comparable on one 0..100 axis.
export function vmCpuPct(prev: CpuMark, now: CpuMark, vcpus: number): number {
  const wallMs = now.atMs - prev.atMs;
  if (wallMs <= 0) return 0;
  return clampPct(((now.cpuTimeMs - prev.cpuTimeMs) / wallMs / Math.max(1, vcpus)) * 100);
}

export type SamplerOptions = {
  driver: Driver;
  info: () => Promise<AgentInfo>;
  push: (hb: Heartbeat) => Promise<void>;
  intervalMs: number;
  log: (msg: string) => void;
  host?: HostReader;
  now?: () => number;
};

const KICK_DELAY_MS = 20;

export function createSampler(opts: SamplerOptions) {
  const host = opts.host ?? procHostReader;
  const now = opts.now ?? Date.now;
  let lastCpu: CpuTimes | null = null;
  const lastVm = new Map<string, CpuMark>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let started = false;
  let failing = false;
  let pushing = false;
  let again = false; // a change came while a push was in flight: push once more right after
  let unsubscribe: (() => void) | null = null;

  async function hostSample(): Promise<HostSample> {
    const [cpu, mem, load] = await Promise.all([host.cpu(), host.memory(), host.load()]);
    const cpuPct = lastCpu ? cpuPctBetween(lastCpu, cpu) : 0;
    lastCpu = cpu;
    return { cpuPct, memUsedBytes: mem.usedBytes, memTotalBytes: mem.totalBytes, ...load };
  }

  async function vmSample(vm: VmRuntime, atMs: number): Promise<VmSample> {
    const stats =
      vm.state === 'running' || vm.state === 'paused' ? await opts.driver.vmStats(vm.id).catch(() => null) : null;
    let cpuPct = 0;
    if (stats) {
      const mark = { cpuTimeMs: stats.cpuTimeMs, atMs };
      // First sighting (new VM or restarted agent): average since start beats a fake 0.
      const started = vm.startedAt ? Date.parse(vm.startedAt) : NaN;
      const prev = lastVm.get(vm.id) ?? (Number.isFinite(started) ? { cpuTimeMs: 0, atMs: started } : null);
      if (prev) cpuPct = vmCpuPct(prev, mark, vm.vcpus);
      lastVm.set(vm.id, mark);
    } else lastVm.delete(vm.id);
    return {
      id: vm.id,
      state: vm.state,
      guestReady: vm.guestReady,
      cpuPct,
      rssBytes: stats?.rssBytes ?? 0,
      diskRdBytes: stats?.diskRdBytes ?? 0,
      diskWrBytes: stats?.diskWrBytes ?? 0,
      diskRdOps: stats?.diskRdOps ?? 0,
      diskWrOps: stats?.diskWrOps ?? 0,
    };
  }

  async function sample(): Promise<Heartbeat> {
    const atMs = now();
    const [info, hostS, list] = await Promise.all([opts.info(), hostSample(), opts.driver.listVms()]);
    const vms = await Promise.all(list.map((vm) => vmSample(vm, atMs)));
    for (const id of lastVm.keys()) if (!list.some((v) => v.id === id)) lastVm.delete(id);
    return { at: new Date(atMs).toISOString(), info, host: hostS, vms };
  }

  async function tick() {
    pushing = true;
    try {
      await opts.push(await sample());
      if (failing) opts.log('heartbeat push works again');
      failing = false;
    } catch (err) {
      opts.log(`heartbeat failed (retrying in ${opts.intervalMs} ms): ${errorMessage(err)}`);
      failing = true;
    } finally {
      pushing = false;
    }
    // setTimeout after the push, not setInterval: a slow dashboard must not pile up pushes.
    if (!stopped) timer = setTimeout(tick, again && !failing ? KICK_DELAY_MS : opts.intervalMs);
    again = false;
  }

  // A VM changed (started, stopped, guest ready): push now rather than at the next interval.
  // Changes within KICK_DELAY_MS share one push; a failing dashboard keeps the normal pace.
  function kick() {
    if (!started || stopped || failing) return;
    if (pushing) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, KICK_DELAY_MS);
  }

  return {
    sample,
    async start() {
      lastCpu = await host.cpu().catch(() => null); // baseline so the first push has a CPU delta
      timer = setTimeout(tick, Math.min(opts.intervalMs, 1000));
      started = true;
      unsubscribe = opts.driver.subscribe(kick);
    },
    stop() {
      stopped = true;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
    },
  };
}

export function heartbeatPusher(dashboard: string, agentToken: string, timeoutMs = 5000) {
  const url = new URL('/api/agent/heartbeat', dashboard).toString();
  return async (hb: Heartbeat) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agentToken}` },
      body: JSON.stringify(hb),
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((err: Error) => {
      throw new Error(`${url} unreachable: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    });
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    await res.body?.cancel();
  };
}
