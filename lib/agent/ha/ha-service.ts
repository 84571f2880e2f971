// HA on the agent (docs/ARCHITECTURE.md, "High availability"): this host's lease with its fencing
// and watchdog, the observer of the peers' leases, EDAC counters, takeover, and the start guard
// the QEMU driver, incoming migrations and restores call before a shared-pool QEMU starts.
import { haUnavailable } from '@/lib/errors';
import type { PoolConfig } from '../config';
import type { Driver, VmSpec } from '../driver/types';
import type { Operations } from '../operations';
import { requireQemu } from '../qemu/context';
import { readEdac } from './edac';
import { killSharedPoolVms, sharedPoolVms } from './fencer';
import { createLeaseOwner } from './lease';
import { createLeaseObserver } from './observer';
import type { HaStatus, HaTiming, TakeoverRequest } from '@/lib/agent-protocol/ha';
import { takeover } from './takeover';
import { createWatchdogClient } from './watchdog-client';

export type HaOptions = {
  host: string;
  data: string;
  shared: string;
  pools: PoolConfig[];
  timing: HaTiming;
  edacRoot: string;
  driver: Driver;
  operations: Operations;
  log: (msg: string) => void;
};

export type HaService = ReturnType<typeof createHaService>;

export function createHaService(o: HaOptions) {
  const qemu = o.driver.qemu ?? null;
  const sharedPools = new Set(o.pools.filter((p) => p.kind === 'shared').map((p) => p.name));
  // Only QEMU needs fencing (a simulated driver runs no process): then no watchdog at all.
  const needsWatchdog = qemu !== null && sharedPools.size > 0;
  const watchdog = createWatchdogClient({ dataDir: o.data, host: o.host, log: o.log });
  let deadlineNs: bigint | null = null; // of the last successful renewal
  let fedKey = '';
  let fedIds: string[] = []; // what the watchdog guards: it may have killed them first

  // The watchdog learns the deadline of every renewal and, within 100 ms, every change of the
  // shared-pool QEMUs running here. Nothing is fed before this process's first renewal: the
  // watchdog keeps the deadline of the agent run before it.
  const feed = (force: boolean) => {
    if (deadlineNs === null || !needsWatchdog) return;
    const vms = sharedPoolVms(qemu, sharedPools);
    const key = JSON.stringify(vms);
    if (!force && key === fedKey) return;
    fedKey = key;
    fedIds = vms.map((v) => v.id);
    watchdog.feed(deadlineNs, vms);
  };

  const lease = createLeaseOwner({
    shared: o.shared,
    host: o.host,
    timing: o.timing,
    log: o.log,
    // The VMs killed now, and those the watchdog guarded: under load its kill can come first.
    fence: () => [...new Set([...killSharedPoolVms(qemu, sharedPools), ...fedIds])],
    onRenewed: (d) => {
      deadlineNs = d;
      feed(true);
    },
    onTick: () => feed(false),
    onRecovered: async () => {
      await qemu?.vms.scanPools();
    },
  });
  const observer = createLeaseObserver({ shared: o.shared, self: o.host, timing: o.timing, log: o.log });

  // Before any shared-pool QEMU starts here (start, takeover, incoming migration, restore):
  // 503 HA_UNAVAILABLE while the lease is not valid, or while the watchdog cannot be had.
  async function guard(spec: VmSpec): Promise<void> {
    if (!sharedPools.has(spec.pool)) return;
    if (!lease.mayRunShared()) {
      const s = lease.status();
      throw haUnavailable(
        o.host,
        s.fenced
          ? `fenced at ${s.fencedAt}, waiting for its lease to be valid again`
          : `its lease is not valid (${s.lastError ?? 'not renewed yet'})`,
      );
    }
    await watchdog.ensure();
  }

  return {
    guard,
    start() {
      if (qemu) qemu.startGuard = guard;
      lease.start();
      observer.start();
      // A QEMU host with a shared pool has its watchdog from the start (spawned, or found from the
      // agent run before), so no VM start or incoming migration pays its Node start (0.3-0.8 s on TCG).
      if (needsWatchdog) watchdog.ensure().catch((err: Error) => o.log(`fence watchdog: ${err.message}`));
      o.log(
        `HA: lease ${lease.file}, renew ${o.timing.renewMs} ms, fence after ${o.timing.fenceAfterMs} ms, peers expire after ${o.timing.timeoutMs} ms`,
      );
    },
    // Leaves the watchdog armed (a stopped agent loses its lease like a dead one).
    stop() {
      lease.stop();
      observer.stop();
      watchdog.close();
    },
    async status(): Promise<HaStatus> {
      return {
        host: o.host,
        timing: o.timing,
        lease: lease.status(),
        peers: observer.peers(),
        edac: await readEdac(o.edacRoot),
      };
    },
    takeover: (req: TakeoverRequest) =>
      takeover(
        {
          host: o.host,
          timing: o.timing,
          operations: o.operations,
          qemu: () => requireQemu(o.driver, 'HA takeover'),
          peer: observer.peer,
          mayRunShared: lease.mayRunShared,
          start: (id) => o.driver.startVm(id),
          log: o.log,
        },
        req,
      ),
  };
}
