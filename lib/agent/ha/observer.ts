// Watches the other hosts' leases: every 500 ms reads <shared>/ha/leases/*.lease into the pure
// tracker (observer-state.ts). Every read has a deadline, and no new one starts while an earlier
// one still hangs past its deadline, so a hung shared mount holds at most one libuv thread and
// just stops the evidence (peers turn 'unreadable', never 'expired').
import { readdir } from 'node:fs/promises';
import { withDeadline } from '../fs-bounds';
import { LEASE_SUFFIX, leaseFile, leasesDir, readLease } from './lease-file';
import { observeRead, peerView, type PeerTracks } from './observer-state';
import { hostNameSchema, type HaTiming, type PeerLease } from '@/lib/agent-protocol/ha';

export const OBSERVE_EVERY_MS = 500;
const READ_DEADLINE_MS = 1_000;
const MAX_HOSTS = 256; // a directory filled with junk costs a bounded scan

const monoMs = () => Number(process.hrtime.bigint() / 1_000_000n);

export function createLeaseObserver(o: { shared: string; self: string; timing: HaTiming; log: (msg: string) => void }) {
  const tracks: PeerTracks = new Map();
  let timer: NodeJS.Timeout | null = null;
  let scanning = false;
  let hung: Promise<unknown> | null = null; // the raw fs call of the last read, until it settles

  const bounded = <T>(work: Promise<T>, what: string): Promise<T | null> => {
    hung = work;
    const settled = () => hung === work && (hung = null);
    work.then(settled, settled);
    return withDeadline(work, READ_DEADLINE_MS, what).catch(() => null);
  };

  async function scan(): Promise<void> {
    const dir = leasesDir(o.shared);
    const names = hung ? null : await bounded(readdir(dir), `listing ${dir}`);
    // Hosts seen before but not listed now (or the listing failed) count as failed reads.
    const hosts = new Set(tracks.keys());
    for (const n of names ?? []) {
      const host = n.endsWith(LEASE_SUFFIX) ? n.slice(0, -LEASE_SUFFIX.length) : '';
      if (host !== o.self && hostNameSchema.safeParse(host).success && hosts.size < MAX_HOSTS) hosts.add(host);
    }
    for (const host of hosts) {
      const start = monoMs();
      const rec =
        names && !hung ? await bounded(readLease(leaseFile(o.shared, host)), `reading the lease of ${host}`) : null;
      observeRead(tracks, host, rec && rec !== 'invalid' && rec.host === host ? rec : null, start, monoMs());
    }
  }

  const poll = () => {
    if (scanning) return;
    scanning = true;
    void scan()
      .catch((err: Error) => o.log(`observer: ${err.message}`))
      .finally(() => (scanning = false));
  };

  return {
    start() {
      poll();
      timer = setInterval(poll, OBSERVE_EVERY_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    peers(): PeerLease[] {
      const now = monoMs();
      return [...tracks.values()].map((t) => peerView(t, now, o.timing)).sort((a, b) => a.host.localeCompare(b.host));
    },
    peer(host: string): PeerLease | null {
      const t = tracks.get(host);
      return t ? peerView(t, monoMs(), o.timing) : null;
    },
  };
}
