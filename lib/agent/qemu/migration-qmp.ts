// QMP vocabulary of live migration (qemu-recipes.md "Live migration"), shared by the source and
// target sides in lib/agent/migration. Every call goes through the VM's one session.
import { qemuError } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import { activeDiskNode } from './active-node';
import type { VmSession } from './vm-session';

export const MIRROR_JOB = 'vmops-mig-mirror';
export const NBD_NODE = 'vmops-mig-nbd';
export const NBD_EXPORT = 'vmops-mig-export';

export type QueryMigrate = {
  status?:
    | 'none'
    | 'setup'
    | 'active'
    | 'pre-switchover'
    | 'device'
    | 'cancelling'
    | 'cancelled'
    | 'failed'
    | 'completed'
    | 'postcopy-active'
    | 'wait-unplug';
  'total-time'?: number;
  'expected-downtime'?: number;
  downtime?: number;
  'error-desc'?: string;
  ram?: { transferred: number; remaining: number; total: number; 'dirty-pages-rate': number; 'page-size': number };
};

export type BlockJob = {
  device: string;
  type: string;
  len: number;
  offset: number;
  ready: boolean;
  status: string;
  busy: boolean;
};

// A port QEMU can listen on. The tiny window until QEMU binds it is acceptable: a collision
// fails the prepare step loudly (QEMU's own words), nothing runs half-configured.

// "tcp:[::1]:4444" needs brackets around an IPv6 address.
export const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

export const queryMigrate = (s: VmSession) => s.execute<QueryMigrate>('query-migrate');

export async function mirrorJob(s: VmSession): Promise<BlockJob | null> {
  const jobs = await s.execute<BlockJob[]>('query-block-jobs');
  return jobs.find((j) => j.device === MIRROR_JOB) ?? null;
}

// Both ends: MIGRATION events, and auto-converge so a guest that dirties memory faster than the
// link throttles its vCPUs instead of never converging. background-snapshot off: a checkpoint
// whose agent died mid-write leaves it on, and QEMU refuses it together with auto-converge.
export async function setMigrationCapabilities(s: VmSession): Promise<void> {
  await s.execute('migrate-set-capabilities', {
    capabilities: [
      { capability: 'events', state: true },
      { capability: 'background-snapshot', state: false },
      { capability: 'auto-converge', state: true },
    ],
  });
}

// Source, storage mode: the guest's writes go synchronously to both disks (write-blocking), so
// once READY the copy stays identical and the memory migration may start.
export async function startMirror(
  s: VmSession,
  nbd: { host: string; port: number; exportName: string },
  sync: 'top' | 'full',
): Promise<void> {
  await s.execute('blockdev-add', {
    driver: 'nbd',
    'node-name': NBD_NODE,
    server: { type: 'inet', host: nbd.host, port: String(nbd.port) },
    export: nbd.exportName,
  });
  // The top of the chain: mirror reads through its backing files (sync full) or copies only it (top).
  await s.execute('blockdev-mirror', {
    'job-id': MIRROR_JOB,
    device: await activeDiskNode(s),
    target: NBD_NODE,
    sync,
    'copy-mode': 'write-blocking',
  });
}

// Ends the mirror (after READY a cancel completes it without pivoting: the source keeps its own
// disk) and drops the NBD client. Safe to call when nothing was started.
export async function stopMirror(s: VmSession, timeoutMs = 30_000): Promise<void> {
  if (await mirrorJob(s)) {
    await s.execute('block-job-cancel', { device: MIRROR_JOB, force: true }).catch(() => {});
    const until = Date.now() + timeoutMs;
    while (await mirrorJob(s)) {
      if (Date.now() > until)
        throw qemuError('block-job-cancel', `mirror job did not end within ${timeoutMs / 1000} s`);
      await sleep(50);
    }
  }
  const nodes = await s.execute<{ 'node-name': string }[]>('query-named-block-nodes', { flat: true });
  if (nodes.some((n) => n['node-name'] === NBD_NODE)) await s.execute('blockdev-del', { 'node-name': NBD_NODE });
}

// Dirty page rate of a running guest in MiB/s: QEMU samples for calcSeconds (calc-dirty-rate).
// Page-sampling mode, with the most samples QEMU allows (4096 pages per GiB; the default 512
// leaves 64 pages of a 128 MiB guest and often reads 0): mode 'dirty-bitmap' crashed QEMU 7.2
// under TCG here (the QMP socket just closes).
export async function measureDirtyRate(s: VmSession, calcSeconds = 1): Promise<number> {
  await s.execute('calc-dirty-rate', { 'calc-time': calcSeconds, 'sample-pages': 4096 });
  const until = Date.now() + calcSeconds * 1000 + 10_000;
  for (;;) {
    await sleep(200);
    const r = await s.execute<{ status: string; 'dirty-rate'?: number }>('query-dirty-rate');
    if (r.status === 'measured') return r['dirty-rate'] ?? 0;
    if (Date.now() > until) throw qemuError('query-dirty-rate', `still ${r.status} after ${calcSeconds} s of sampling`);
  }
}
