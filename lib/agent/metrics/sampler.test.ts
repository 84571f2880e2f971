import { describe, expect, it, vi } from 'vitest';
import { heartbeatSchema, type VmRuntime } from '@/lib/agent-protocol/core';
import type { Driver, VmStats } from '../driver/types';
import { createSampler, vmCpuPct, type HostReader } from './sampler';

const info = async () => ({
  hostName: 'h1',
  site: 'main',
  agentVersion: '0.1.0',
  driver: 'qemu' as const,
  qemuVersion: '7.2.0',
  accelerator: 'tcg' as const,
  acceleratorReason: 'no vmx',
  cpuCount: 2,
  cpuModel: 'x',
  memoryTotalBytes: 1,
  kernel: 'Linux',
  pools: [],
});

function fakeHost(): HostReader {
  let busy = 0;
  return {
    cpu: async () => ((busy += 50), { totalTicks: busy * 2, idleTicks: busy }), // always 50% busy
    memory: async () => ({ totalBytes: 1000, usedBytes: 400 }),
    load: async () => ({ load1: 1, load5: 0.5, load15: 0.25 }),
  };
}

function fakeDriver(vms: VmRuntime[], stats: () => VmStats, listeners = new Set<(id: string) => void>()): Driver {
  const subscribe = (l: (id: string) => void) => (listeners.add(l), () => listeners.delete(l));
  return { kind: 'qemu', listVms: async () => vms, vmStats: async () => stats(), subscribe } as unknown as Driver;
}

const vm = (over: Partial<VmRuntime> = {}): VmRuntime => ({
  id: 'vm-1',
  name: 'vm 1',
  state: 'running',
  pid: 10,
  pool: 'local',
  diskPath: '/d',
  startedAt: null,
  vcpus: 2,
  memoryMiB: 128,
  accelerator: 'tcg',
  guestReady: true,
  ...over,
});

describe('vmCpuPct', () => {
  it('normalises to the VM vCPUs: two busy vCPUs for 1 s = 100%', () => {
    expect(vmCpuPct({ cpuTimeMs: 0, atMs: 0 }, { cpuTimeMs: 2000, atMs: 1000 }, 2)).toBe(100);
    expect(vmCpuPct({ cpuTimeMs: 0, atMs: 0 }, { cpuTimeMs: 500, atMs: 1000 }, 2)).toBe(25);
    expect(vmCpuPct({ cpuTimeMs: 0, atMs: 5 }, { cpuTimeMs: 500, atMs: 5 }, 1)).toBe(0);
  });
});

describe('sampler', () => {
  it('builds a valid heartbeat with host and per-VM samples from deltas', async () => {
    let t = 0;
    let cpu = 0;
    const driver = fakeDriver([vm()], () => ({
      cpuTimeMs: (cpu += 1000),
      rssBytes: 42,
      diskRdBytes: 1,
      diskWrBytes: 2,
      diskRdOps: 3,
      diskWrOps: 4,
    }));
    const s = createSampler({
      driver,
      info,
      push: async () => {},
      intervalMs: 1000,
      log: () => {},
      host: fakeHost(),
      now: () => (t += 1000),
    });
    const first = await s.sample();
    expect(heartbeatSchema.parse(first)).toBeTruthy();
    expect(first.vms[0].cpuPct).toBe(0); // no previous reading and no startedAt
    const second = await s.sample();
    expect(second.host).toEqual({
      cpuPct: 50,
      memUsedBytes: 400,
      memTotalBytes: 1000,
      load1: 1,
      load5: 0.5,
      load15: 0.25,
    });
    // 1000 ms of CPU time in 1000 ms of wall time on 2 vCPUs = 50%
    expect(second.vms[0]).toMatchObject({
      id: 'vm-1',
      cpuPct: 50,
      rssBytes: 42,
      diskRdBytes: 1,
      diskWrBytes: 2,
      diskRdOps: 3,
      diskWrOps: 4,
    });
  });

  it('reports zeros for a VM that is off', async () => {
    const s = createSampler({
      driver: fakeDriver([vm({ state: 'shutoff', guestReady: false })], () => {
        throw new Error('not called');
      }),
      info,
      push: async () => {},
      intervalMs: 1000,
      log: () => {},
      host: fakeHost(),
    });
    expect((await s.sample()).vms[0]).toMatchObject({ state: 'shutoff', cpuPct: 0, rssBytes: 0 });
  });

  it('keeps ticking when a push fails and logs it', async () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const push = vi.fn().mockRejectedValueOnce(new Error('dashboard down')).mockResolvedValue(undefined);
      const s = createSampler({
        driver: fakeDriver([], () => ({}) as VmStats),
        info,
        push,
        intervalMs: 1000,
        log: (l) => lines.push(l),
        host: fakeHost(),
      });
      await s.start();
      await vi.advanceTimersByTimeAsync(3500);
      s.stop();
      expect(push.mock.calls.length).toBeGreaterThanOrEqual(3);
      expect(lines[0]).toMatch(/heartbeat failed .*dashboard down/);
      expect(lines).toContain('heartbeat push works again');
    } finally {
      vi.useRealTimers();
    }
  });

  it('pushes at once when a VM changes, one push for changes close together, none after stop', async () => {
    vi.useFakeTimers();
    try {
      const listeners = new Set<(id: string) => void>();
      const push = vi.fn().mockResolvedValue(undefined);
      const s = createSampler({
        driver: fakeDriver([], () => ({}) as VmStats, listeners),
        info,
        push,
        intervalMs: 60_000,
        log: () => {},
        host: fakeHost(),
      });
      await s.start();
      await vi.advanceTimersByTimeAsync(1000); // the first push
      expect(push).toHaveBeenCalledTimes(1);
      for (const l of listeners) {
        l('vm-1');
        l('vm-1');
      }
      await vi.advanceTimersByTimeAsync(100);
      expect(push).toHaveBeenCalledTimes(2); // not a minute later
      s.stop();
      expect(listeners.size).toBe(0);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(push).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
