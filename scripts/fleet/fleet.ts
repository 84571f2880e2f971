// The fleet: N simulated hosts in this process (sim-host.ts), named sim-00001..., spread over
// the sites round-robin, started a few at a time (each enrollment is a dashboard transaction),
// each heartbeating in its own slot of the interval so the dashboard sees an even load.
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { Logger } from '@/lib/agent/log';
import { startSimHost, type SimHost } from './sim-host';
import { createFleetStats } from './stats';

export type FleetOptions = {
  url: string; // the dashboard
  hosts: number;
  vms: number; // over all hosts, spread evenly
  sites: string[];
  intervalMs: number;
  portBase: number; // host i listens on portBase + i; 0 = any free port (tests)
  dataDir: string; // <data>/hosts/<name>, <data>/sites/<site>
  concurrency: number; // hosts starting at once
  log: Logger; // the fleet's own lines
  hostLog: (name: string) => Logger; // each host's (usually silent)
};

export type Fleet = {
  hosts: SimHost[];
  stats: ReturnType<typeof createFleetStats>;
  started: Promise<void>; // every host enrolled and heartbeating (rejects with the first failure)
  close(): Promise<void>;
};

export const hostName = (i: number) => `sim-${String(i + 1).padStart(5, '0')}`;

export function startFleet(o: FleetOptions): Fleet {
  const stats = createFleetStats();
  const hosts: SimHost[] = [];
  let stopping = false;
  const abort = new AbortController();
  setMaxListeners(o.hosts * 2 + 10, abort.signal); // one per enrolling host, and its fetch's
  let next = 0;
  const t0 = Date.now();
  const startOne = async (i: number) => {
    const name = hostName(i);
    const site = o.sites[i % o.sites.length];
    // Slots anchored at t0: host i beats at t0 + i * interval / N (+ k * interval).
    const slot = (i * o.intervalMs) / o.hosts;
    const host = await startSimHost({
      name,
      site,
      port: o.portBase ? o.portBase + i : 0,
      dataDir: path.join(o.dataDir, 'hosts', name),
      sharedDir: path.join(o.dataDir, 'sites', site),
      dashboard: o.url,
      vmCount: Math.floor(o.vms / o.hosts) + (i < o.vms % o.hosts ? 1 : 0),
      intervalMs: o.intervalMs,
      firstBeatInMs: (((slot - (Date.now() - t0)) % o.intervalMs) + o.intervalMs) % o.intervalMs,
      stats,
      log: o.hostLog(name),
      signal: abort.signal,
    });
    if (stopping) await host.close();
    else hosts.push(host);
  };
  const lane = async () => {
    while (!stopping && next < o.hosts) await startOne(next++);
  };
  const started = Promise.all(Array.from({ length: Math.min(o.concurrency, o.hosts) }, lane)).then(() => {
    if (!stopping)
      o.log(`${hosts.length} simulated hosts with ${o.vms} simulated VMs started in ${Date.now() - t0} ms`);
  });
  started.catch(() => {
    stopping = true; // the other lanes start no more hosts
  });
  return {
    hosts,
    stats,
    started,
    async close() {
      stopping = true;
      abort.abort();
      await started.catch(() => {});
      await Promise.all(hosts.map((h) => h.close()));
    },
  };
}
