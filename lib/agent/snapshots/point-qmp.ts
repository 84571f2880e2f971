// QMP vocabulary of points (qemu-recipes.md "Snapshots, revert, checkpoints with memory"): event
// times, resuming with the RESUME event's own timestamp, the persistent bitmaps a new top layer
// must carry, and the background-snapshot migration that writes a memory state file.
import { qemuError, timeout } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import { queryMigrate, type QueryMigrate } from '../qemu/migration-qmp';
import type { QmpEvent } from '../qemu/qmp-client';
import type { VmSession } from '../qemu/vm-session';

const EVENT_WAIT_MS = 10_000;
// exec: pipes are throttled by max-bandwidth too (128 MiB/s by default): a state file is local.
const STATE_BANDWIDTH = 8 * 1024 * 1024 * 1024;

// QEMU stamps each event with its own clock (host wall time): closer to the guest's real pause
// than the moment the agent read it.
const eventMs = (ev: QmpEvent | null): number =>
  ev?.timestamp ? ev.timestamp.seconds * 1000 + ev.timestamp.microseconds / 1000 : Date.now();

// Runs `action` and resolves with the time of the first event `name` it caused (bounded).
async function withEvent(s: VmSession, name: string, action: () => Promise<unknown>): Promise<number> {
  const ev = s.qmp.waitForEvent(name, EVENT_WAIT_MS);
  await action();
  return eventMs(await ev);
}

export const stopVm = (s: VmSession) => withEvent(s, 'STOP', () => s.execute('stop'));
export const contVm = (s: VmSession) => withEvent(s, 'RESUME', () => s.execute('cont'));

export type NodeBitmap = {
  name: string;
  recording: boolean;
  persistent: boolean;
  inconsistent?: boolean;
  granularity: number;
};
type NamedNode = { 'node-name': string; drv: string; file: string; 'dirty-bitmaps'?: NodeBitmap[] };

export async function namedNodes(s: VmSession): Promise<NamedNode[]> {
  return s.execute<NamedNode[]>('query-named-block-nodes', { flat: true });
}

// Persistent bitmaps of `node` that a new top must carry (backups keep counting across a point);
// an inconsistent one cannot be merged and is left behind (the next backup is a full one).
export async function carriedBitmaps(s: VmSession, node: string): Promise<NodeBitmap[]> {
  const n = (await namedNodes(s)).find((x) => x['node-name'] === node);
  if (!n) throw qemuError('query-named-block-nodes', `VM ${s.id} has no block node "${node}"`);
  return (n['dirty-bitmaps'] ?? []).filter((b) => b.persistent && !b.inconsistent);
}

const shellQuote = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;

// Loading needs no short pause (the VM is not running yet): zstd through QEMU's own shell.
export const loadUri = (stateFile: string) => `exec:zstd -q -d -c ${shellQuote(stateFile)}`;

// background-snapshot refuses auto-converge (a live migration turns it on) and must be off again
// afterwards, or the next live migration would be a snapshot.
export async function setBackgroundSnapshot(s: VmSession, on: boolean): Promise<void> {
  const caps = [{ capability: 'background-snapshot', state: on }];
  if (on) caps.unshift({ capability: 'auto-converge', state: false }, { capability: 'events', state: true });
  await s.execute('migrate-set-capabilities', { capabilities: caps });
}

// Migration settings of a state write, made before the VM is stopped (they cost the pause
// nothing); `restore` puts them back afterwards, whatever happened.
export async function armStateWrite(s: VmSession): Promise<{ restore: () => Promise<void> }> {
  const params = await s.execute<{ 'max-bandwidth'?: number }>('query-migrate-parameters');
  const restore = async () => {
    await setBackgroundSnapshot(s, false);
    if (params['max-bandwidth'] !== undefined)
      await s.execute('migrate-set-parameters', { 'max-bandwidth': params['max-bandwidth'] });
  };
  try {
    await setBackgroundSnapshot(s, true);
    await s.execute('migrate-set-parameters', { 'max-bandwidth': STATE_BANDWIDTH });
  } catch (err) {
    await restore().catch(() => {});
    throw err;
  }
  return { restore };
}

// Starts the state write of a paused, armed VM into `uri` (state-writer.ts). QEMU's background snapshot starts the
// vCPUs itself
// once RAM is write-protected (~10 ms), even when the VM was paused before: resolves with that
// RESUME time, or throws with QEMU's reason if the migration failed first.
export async function startStateWrite(s: VmSession, uri: string): Promise<number> {
  const first = new Promise<QmpEvent | null>((resolve) => {
    const onEvent = (ev: QmpEvent) => {
      if (ev.event === 'RESUME' || (ev.event === 'MIGRATION' && ev.data?.status === 'failed')) done(ev);
    };
    const done = (ev: QmpEvent | null) => {
      clearTimeout(t);
      s.qmp.off('event', onEvent);
      resolve(ev);
    };
    const t = setTimeout(() => done(null), EVENT_WAIT_MS);
    s.qmp.on('event', onEvent);
  });
  try {
    await s.execute('migrate', { uri });
    const ev = await first;
    if (ev?.event === 'RESUME') return eventMs(ev);
    const m = await queryMigrate(s).catch(() => ({}) as QueryMigrate);
    throw qemuError(
      'migrate (background snapshot)',
      m['error-desc'] ?? `the VM did not resume within ${EVENT_WAIT_MS / 1000} s (${m.status ?? 'unknown'})`,
    );
  } catch (err) {
    await s.execute('migrate_cancel').catch(() => {});
    throw err;
  }
}

// Polls the background snapshot to 'completed' (bounded); QEMU's downtime figure in ms.
export async function waitStateWritten(s: VmSession, timeoutMs: number): Promise<number | null> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = await queryMigrate(s);
    if (m.status === 'completed') return m.downtime ?? null;
    if (m.status === 'failed' || m.status === 'cancelled')
      throw qemuError('migrate (background snapshot)', m['error-desc'] ?? m.status);
    if (Date.now() > until) throw timeout('Writing the memory state', timeoutMs / 1000);
    await sleep(100);
  }
}
