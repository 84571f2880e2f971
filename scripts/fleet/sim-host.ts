// One simulated host of the fleet: the real agent's services and API router (composeAgent) over
// the simulated driver, its own HTTP server and data dir, enrolled through the real enrollment
// flow with a one-time token (as `npm start` enrolls its local agents), heartbeating with the real
// sampler. HA stays off (no lease, no observer): 2,500 of them would swamp the machine.
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeAgent } from '@/lib/agent/compose';
import { parseAgentConfig } from '@/lib/agent/config';
import { createSimulatedDriver } from '@/lib/agent/driver/simulated';
import type { Driver } from '@/lib/agent/driver/types';
import { loadCredentials, loadOrEnroll, type Credentials, type EnrollOptions } from '@/lib/agent/enroll';
import { ensurePools } from '@/lib/agent/host-info';
import type { Logger } from '@/lib/agent/log';
import { createSampler, heartbeatPusher, type HostReader } from '@/lib/agent/metrics/sampler';
import { closeServer, createAgentServer, listen } from '@/lib/agent/server';
import type { Heartbeat } from '@/lib/agent-protocol/core';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { errorMessage } from '@/lib/errors';
import type { FleetStats } from './stats';
import { ensureVmRows } from './vm-rows';

export type SimHostOptions = {
  name: string;
  site: string;
  port: number; // 0 = any free port
  dataDir: string; // this host's (credentials, local pool)
  sharedDir: string; // its site's
  dashboard: string;
  vmCount: number; // VMs this host runs (more are created if it has fewer; none are removed)
  intervalMs: number;
  firstBeatInMs: number; // the host's slot in the fleet's interval, so heartbeats spread evenly
  stats: FleetStats;
  log: Logger;
  signal: AbortSignal; // the fleet stopping: ends a retrying enrollment
};

export type SimHost = { name: string; hostId: string; agentUrl: string; driver: Driver; close(): Promise<void> };

const VM_MEMORY_MIB = 1024;

export async function startSimHost(o: SimHostOptions): Promise<SimHost> {
  const config = parseAgentConfig(
    ['--name', o.name, '--site', o.site, '--port', String(o.port), '--data', o.dataDir, '--shared', o.sharedDir],
    {
      VMOPS_AGENT_DASHBOARD: o.dashboard,
      VMOPS_AGENT_DRIVER: 'simulated',
      VMOPS_AGENT_INTERVAL_MS: String(o.intervalMs),
    },
  );
  await ensurePools(config.pools);
  await mkdir(config.imagesDir, { recursive: true });
  const driver = createSimulatedDriver({ pools: config.pools, log: o.log.child('driver') });
  await driver.reattach();
  await addVms(driver, config.pools[0].path, o.name, o.vmCount);

  const { info, auth, router } = composeAgent(config, driver, o.log);
  const server: Server = createAgentServer({ router, auth, log: countRequests(o.log.child('http'), o.stats) });
  await listen(server, config.port, config.host);
  const agentUrl = `http://${config.host}:${(server.address() as AddressInfo).port}`;
  let sampler: ReturnType<typeof createSampler> | null = null;
  let slot: NodeJS.Timeout | undefined;
  const close = async () => {
    clearTimeout(slot);
    sampler?.stop();
    await closeServer(server);
    await driver.close();
  };
  try {
    const creds = await enroll({
      dataDir: config.data,
      dashboard: o.dashboard,
      name: o.name,
      agentUrl,
      info,
      log: o.log.child('enroll'),
      signal: o.signal,
    });
    auth.setSecret(creds.dashboardSecret);
    o.stats.enrolled++;
    // The dashboard knows a VM only from its row (heartbeats update rows, never add them).
    await ensureVmRows(creds.hostId, await driver.listVms());
    const push = heartbeatPusher(o.dashboard, creds.agentToken);
    sampler = createSampler({
      driver,
      info,
      push: (hb) => countBeat(o.stats, hb, push),
      intervalMs: o.intervalMs,
      log: o.log.child('metrics'),
      host: simulatedHostReader(),
    });
    const started = sampler;
    slot = setTimeout(() => void started.start(), o.firstBeatInMs);
    return { name: o.name, hostId: creds.hostId, agentUrl, driver, close };
  } catch (err) {
    await close();
    throw err;
  }
}

// The agent's enrollment with a token made as `npm start` makes them. A busy dashboard may finish
// an enrollment whose answer came too late for the agent (10 s): its retry then finds the token
// used. Such a host gets a fresh token (enrollment replaces the credentials), twice at most.
async function enroll(opts: Omit<EnrollOptions, 'token'>): Promise<Credentials> {
  if (await loadCredentials(opts.dataDir)) return loadOrEnroll(opts);
  for (let attempt = 1; ; attempt++) {
    const token = await createEnrollmentToken(opts.name);
    try {
      return await loadOrEnroll({ ...opts, token });
    } catch (err) {
      if (attempt === 3 || opts.signal?.aborted || !/refused enrollment \(HTTP 401\)/.test(errorMessage(err)))
        throw err;
      opts.log(`enrollment refused (${errorMessage(err)}): retrying with a new token`);
    }
  }
}

// Running VMs named after the host (sim-00001-v0001), in its local pool.
async function addVms(driver: Driver, pool: string, host: string, count: number): Promise<void> {
  for (let i = (await driver.listVms()).length; i < count; i++) {
    const id = `${host}-v${String(i + 1).padStart(4, '0')}`;
    const vmDir = path.join(pool, 'vms', id);
    const spec = { id, name: id, vcpus: 1, memoryMiB: VM_MEMORY_MIB, pool: 'local', vmDir, owner: host, boot: {} };
    await driver.defineVm({ ...spec, diskPath: path.join(vmDir, 'disk0.qcow2') });
    await driver.startVm(id);
  }
}

async function countBeat(stats: FleetStats, hb: Heartbeat, push: (hb: Heartbeat) => Promise<void>) {
  const t = performance.now();
  try {
    await push(hb);
    stats.beat(performance.now() - t, hb.vms.length);
  } catch (err) {
    stats.failed(err);
    throw err;
  }
}

// Every agent API request is logged by the server (GETs only when they fail): counted here.
function countRequests(log: Logger, stats: FleetStats): (msg: string) => void {
  return (msg) => {
    stats.apiCalls++;
    log(msg);
  };
}

// A host's own figures, varying around a load of its own (the real reader would give every
// simulated host this machine's /proc figures).
function simulatedHostReader(): HostReader {
  const base = 0.1 + Math.random() * 0.5;
  const total = os.totalmem();
  let ticks = 0;
  let idle = 0;
  const busy = () => Math.min(1, Math.max(0, base + (Math.random() - 0.5) * 0.2));
  return {
    async cpu() {
      ticks += 500;
      idle += 500 * (1 - busy());
      return { totalTicks: ticks, idleTicks: idle };
    },
    async memory() {
      return { totalBytes: total, usedBytes: Math.round(total * (0.2 + base)) };
    },
    async load() {
      const l = base * os.availableParallelism() * 4;
      return { load1: l * (0.9 + Math.random() * 0.2), load5: l, load15: l };
    },
  };
}
