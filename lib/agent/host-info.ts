// What the agent says about its host (GET /v1/info, enrollment, every heartbeat).
import { readFileSync } from 'node:fs';
import { mkdir, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { PoolConfig } from './config';
import type { Driver, DriverInfo } from './driver/types';
import { withDeadline } from './fs-bounds';
import type { AgentInfo, PoolInfo } from '@/lib/agent-protocol/core';

export const AGENT_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
})();

export async function poolSpace(dir: string): Promise<{ totalBytes: number; freeBytes: number }> {
  const s = await statfs(dir);
  // bavail, not bfree: blocks reserved for root are not space the agent should plan with.
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}

export async function ensurePools(pools: PoolConfig[]): Promise<void> {
  for (const p of pools) await mkdir(`${p.path}/vms`, { recursive: true });
}

const POOL_STAT_MS = 2_000;
type Space = { totalBytes: number; freeBytes: number };
const inFlight = new Map<string, Promise<Space>>(); // pool path -> its statfs still running

// For info and heartbeats: a pool whose file system does not answer (a shared mount cut off or
// hung) reports no space instead of failing or stalling the whole heartbeat, and holds at most
// one libuv thread (callers share the running statfs). No space: nothing is placed there.
async function reportedSpace(dir: string): Promise<Space> {
  let work = inFlight.get(dir);
  if (!work) {
    const started = poolSpace(dir);
    inFlight.set(dir, started);
    const done = () => inFlight.get(dir) === started && inFlight.delete(dir);
    started.then(done, done);
    work = started;
  }
  return withDeadline(work, POOL_STAT_MS, `statfs ${dir}`).catch(() => ({ totalBytes: 0, freeBytes: 0 }));
}

export async function listPools(pools: PoolConfig[]): Promise<PoolInfo[]> {
  return Promise.all(
    pools.map(async (p) => ({ name: p.name, kind: p.kind, path: p.path, ...(await reportedSpace(p.path)) })),
  );
}

// Driver facts (QEMU version, accelerator) do not change while the agent runs: asked once.
export function createInfoProvider(
  hostName: string,
  site: string,
  driver: Driver,
  pools: PoolConfig[],
): () => Promise<AgentInfo> {
  let driverInfo: Promise<DriverInfo> | null = null;
  return async () => {
    driverInfo ??= driver.info();
    const d = await driverInfo.catch((err) => {
      driverInfo = null; // retry next time rather than caching a failure
      throw err;
    });
    const cpus = os.cpus();
    return {
      hostName,
      site,
      agentVersion: AGENT_VERSION,
      driver: d.kind,
      qemuVersion: d.qemuVersion,
      accelerator: d.accelerator,
      acceleratorReason: d.acceleratorReason,
      cpuCount: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memoryTotalBytes: os.totalmem(),
      kernel: `${os.type()} ${os.release()}`,
      pools: await listPools(pools),
    };
  };
}
