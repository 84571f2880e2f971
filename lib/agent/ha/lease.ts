// This host's lease (sanlock's delta lease, implemented here: the Debian sanlock daemon cannot
// raise its memlock limit on these machines). Acquire (generation + 1, counter 0), then renew
// every renewMs with a synced write, never two in flight: a hung write only means no renewal.
// A separate 100 ms validity timer, independent of the writes, fences once the START of the last
// successful renewal is older than fenceAfterMs (timeout - margin): peers declare the lease expired
// only after the full timeout on their own clocks, so the fencing always comes first.
import { mkdir } from 'node:fs/promises';
import { errorMessage } from '@/lib/errors';
import { fenceDeadlineNs, leaseValid, mustFence, nsToMs, type LeaseClock } from './lease-timing';
import { leaseFile, leasesDir, readLease, writeLease } from './lease-file';
import type { HaStatus, HaTiming } from '@/lib/agent-protocol/ha';

export const VALIDITY_POLL_MS = 100;

export type LeaseOwnerOptions = {
  shared: string;
  host: string;
  timing: HaTiming;
  log: (msg: string) => void;
  fence: () => string[]; // SIGKILLs every shared-pool QEMU (no fs, no QMP); the VM ids fenced
  onRenewed: (deadlineNs: bigint) => void; // feed the watchdog
  onRecovered: () => Promise<void>; // valid again after fencing: rescan the pools
  onTick?: () => void;
  now?: () => bigint;
};

export type LeaseOwner = ReturnType<typeof createLeaseOwner>;

export function createLeaseOwner(o: LeaseOwnerOptions) {
  const now = o.now ?? (() => process.hrtime.bigint());
  const file = leaseFile(o.shared, o.host);
  const clock: LeaseClock = { startedNs: now(), lastGoodStartNs: null };
  let generation = 0;
  let counter = 0;
  let writing = false;
  let recovering = false;
  let fenced = false;
  let fencedAt: string | null = null;
  let fencedVmIds: string[] = [];
  let lastError: string | null = null;
  let timers: NodeJS.Timeout[] = [];

  const fail = (what: string, err: unknown) => {
    const msg = `${what}: ${errorMessage(err)}`;
    if (msg !== lastError) o.log(`lease: ${msg}`); // once per distinct failure, not every 2 s
    lastError = msg;
  };

  async function renew(): Promise<void> {
    if (writing) return;
    writing = true;
    const start = now();
    try {
      if (generation === 0) {
        await mkdir(leasesDir(o.shared), { recursive: true });
        const current = await readLease(file);
        generation = (current && current !== 'invalid' ? current.generation : 0) + 1;
        counter = -1;
      }
      counter++; // every attempt moves it: a write that half-happened is never repeated as "no change"
      await writeLease(file, {
        format: 1,
        host: o.host,
        generation,
        counter,
        renewedAt: new Date().toISOString(),
        timeoutMs: o.timing.timeoutMs,
      });
      const first = clock.lastGoodStartNs === null;
      clock.lastGoodStartNs = start;
      if (lastError) o.log(`lease: renewed again (generation ${generation}, counter ${counter})`);
      else if (first) o.log(`lease: acquired ${file} (generation ${generation})`);
      lastError = null;
      o.onRenewed(fenceDeadlineNs(clock, o.timing));
      // A write that hung and completed late is no evidence of validity now.
      if (fenced && !recovering && leaseValid(now(), clock, o.timing)) void recover();
    } catch (err) {
      fail(generation === 0 ? 'cannot acquire' : 'renewal failed', err);
    } finally {
      writing = false;
    }
  }

  // Valid again after fencing: VMs taken over elsewhere meanwhile have another owner in vm.json
  // and drop out of the registry; only then are shared-pool starts allowed again.
  async function recover(): Promise<void> {
    recovering = true;
    try {
      await o.onRecovered();
      fenced = false;
      o.log('lease: valid again; pools rescanned, shared-pool VMs may start again');
    } catch (err) {
      fail('rescan after fencing', err);
    } finally {
      recovering = false;
    }
  }

  function tick(): void {
    if (mustFence(now(), clock, o.timing)) {
      const ids = o.fence();
      if (!fenced) {
        fenced = true;
        fencedAt = new Date().toISOString();
        fencedVmIds = [];
        o.log(
          `lease: not renewed for ${o.timing.fenceAfterMs} ms: FENCED (${ids.length ? `SIGKILL to ${ids.join(', ')}` : 'no shared-pool VM ran'})`,
        );
      }
      const fresh = ids.filter((id) => !fencedVmIds.includes(id));
      if (fresh.length && fencedVmIds.length) o.log(`lease: fenced, SIGKILL to ${fresh.join(', ')}`);
      fencedVmIds.push(...fresh);
    }
    o.onTick?.();
  }

  return {
    file,
    start() {
      void renew();
      // unref: they run as long as the agent does, and never keep a finished test process alive
      timers = [setInterval(() => void renew(), o.timing.renewMs), setInterval(tick, VALIDITY_POLL_MS)];
      for (const t of timers) t.unref();
    },
    stop() {
      for (const t of timers) clearInterval(t);
      timers = [];
    },
    // May this host start, take over or receive a shared-pool VM now?
    mayRunShared: () => leaseValid(now(), clock, o.timing) && !fenced,
    status(): HaStatus['lease'] {
      return {
        generation,
        counter: Math.max(counter, 0),
        lastRenewAgeMs: clock.lastGoodStartNs === null ? null : nsToMs(now() - clock.lastGoodStartNs),
        valid: leaseValid(now(), clock, o.timing),
        fenced,
        fencedAt,
        fencedVmIds,
        lastError,
      };
    },
  };
}
