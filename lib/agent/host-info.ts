// What the agent says about its host (GET /v1/info, enrollment, every heartbeat).
import { readFileSync } from 'node:fs';
import { mkdir, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { PoolConfig } from './config';
import type { Driver, DriverInfo } from './driver/types';
import type { AgentInfo, PoolInfo } from './protocol';

export const AGENT_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
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

export async function listPools(pools: PoolConfig[]): Promise<PoolInfo[]> {
  return Promise.all(pools.map(async (p) => ({ name: p.name, kind: p.kind, path: p.path, ...(await poolSpace(p.path)) })));
}

// Driver facts (QEMU version, accelerator) do not change while the agent runs: asked once.
export function createInfoProvider(hostName: string, driver: Driver, pools: PoolConfig[]): () => Promise<AgentInfo> {
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
