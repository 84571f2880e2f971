// Target side of a live migration: a paused QEMU waiting for the state (-incoming defer), plus in
// storage mode a fresh disk exported over NBD for the source's mirror. The arrival resumes the
// guest by itself as soon as the state is complete (and the NBD export is gone), so the guest's
// pause does not include the dashboard's polling; finish() then hands the VM its new owner.
// Until the guest has run here the source keeps its paused copy, so an abort may remove this
// one even after the state arrived; once it has run here (the marker says so, across agent
// restarts) this is the only good copy and abort refuses.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { z } from 'zod';
import {
  alreadyExists,
  cancelled,
  conflict,
  errorMessage,
  insufficientCapacity,
  invalidInput,
  noSuchObject,
  qemuError,
  timeout,
} from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import type { VmSpec } from '../driver/types';
import { withDeadline } from '../fs-bounds';
import { readMeminfo } from '../metrics/proc';
import { DISK_NODE } from '../qemu/args';
import type { QemuContext } from '../qemu/context';
import { launchVm } from '../qemu/launch';
import { freePort } from '@/lib/net/free-port';
import { hostPort, NBD_EXPORT, queryMigrate, setMigrationCapabilities } from '../qemu/migration-qmp';
import { isQemuFor, sendSignal, waitForExit } from '../qemu/process';
import { readJson, writeJson, type RunRecord } from '../qemu/vm-files';
import type { VmSession } from '../qemu/vm-session';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { UndoStack } from '../undo';
import type { IncomingResponse, incomingRequestSchema } from '@/lib/agent-protocol/migration';

type IncomingInput = z.output<typeof incomingRequestSchema>;
type Mode = IncomingInput['mode'];
// Kept in the run directory so an abort still finds what to remove after an agent restart.
// resumed: `cont` was sent, the guest has run on this host.
type Marker = { mode: Mode; spec: VmSpec; createdVmDir: boolean; resumed?: boolean };

// aborting: an abort is removing this copy, so it must not resume; arrived: settles once the
// guest runs here.
type Arrival = Marker & { session: VmSession; aborting: boolean; arrived: Promise<void> };

const MARKER = 'incoming.json';
const RESUME_WAIT_MS = 120_000;
const SPEC_READ_MS = 5_000; // the source's vm.json on the shared pool (a hung mount must not hang prepare)

export function createIncomingMigrations(ctx: QemuContext) {
  const arrivals = new Map<string, Arrival>();
  const markerPath = (spec: VmSpec) => path.join(ctx.vms.paths(spec).runDir, MARKER);

  // After an agent restart only the marker knows: in the VM dir (local pool) or this host's run dir.
  async function findMarker(id: string): Promise<Marker | null> {
    for (const pool of ctx.pools) {
      const vmDir = path.join(pool.path, 'vms', id);
      for (const dir of [vmDir, path.join(vmDir, 'hosts', ctx.hostName)]) {
        const m = await readJson<Marker>(path.join(dir, MARKER)).catch(() => null);
        if (m) return m;
      }
    }
    return null;
  }

  async function createDisk(spec: VmSpec, sizeBytes: number, backingPath: string | null) {
    await mkdir(path.dirname(spec.diskPath), { recursive: true });
    const args = [
      'create',
      '-q',
      '-f',
      'qcow2',
      ...(backingPath ? ['-b', backingPath, '-F', 'qcow2'] : []),
      spec.diskPath,
      String(sizeBytes),
    ];
    await promisify(execFile)(ctx.qemuImg, args).catch((err: Error & { stderr?: string }) => {
      throw qemuError('qemu-img create', err.stderr?.trim() || err.message);
    });
  }

  // Waits until the whole state has arrived, removes the NBD export once the source has
  // disconnected (its mirror is over, nothing can write to the disk behind the guest), resumes.
  async function resumeWhenComplete(a: Arrival): Promise<void> {
    const { session: s, mode, spec } = a;
    const id = spec.id;
    for (;;) {
      const st = (await queryMigrate(s)).status;
      if (st === 'completed') break;
      if (st === 'failed' || st === 'cancelled') throw qemuError(`incoming migration of VM ${id}`, `migration ${st}`);
      await sleep(20);
    }
    if (mode === 'storage') {
      const until = Date.now() + RESUME_WAIT_MS;
      for (;;) {
        try {
          await s.execute('block-export-del', { id: NBD_EXPORT, mode: 'safe' });
          break;
        } catch (err) {
          // aborted, or the source never let go of the export
          if (a.aborting || s.isGone || Date.now() > until) throw err;
          await sleep(20);
        }
      }
      await s.execute('nbd-server-stop');
    }
    if (a.aborting) throw cancelled(`Incoming migration of VM ${id}`);
    // Recorded before the guest runs: from then on this copy must not be aborted.
    a.resumed = true;
    try {
      await writeJson(markerPath(spec), { mode, spec, createdVmDir: a.createdVmDir, resumed: true } satisfies Marker);
    } catch (err) {
      a.resumed = false;
      throw err;
    }
    await s.execute('cont');
    s.status = 'running';
    ctx.log(`VM ${id}: incoming migration complete; guest resumed`);
  }

  async function prepare(req: IncomingInput, bindHost: string): Promise<IncomingResponse> {
    const { vm, mode } = req;
    const pool = ctx.pools.find((p) => p.name === vm.pool);
    if (!pool)
      throw invalidInput({ 'vm.pool': [`unknown pool; this host has ${ctx.pools.map((p) => p.name).join(', ')}`] });
    if (mode === 'shared' && pool.kind !== 'shared')
      throw invalidInput({ 'vm.pool': ['shared mode needs a shared pool'] });
    const known = await ctx.vms.find(vm.id);
    if (arrivals.has(vm.id) || (known && known.owner === ctx.hostName)) throw alreadyExists('VM', vm.id);
    const vmDir = path.join(pool.path, 'vms', vm.id);
    // Shared: the source's vm.json names the disk it runs now (a snapshot moves it to a new top
    // layer) and whether it is a linked clone; both carry over.
    const specFile = path.join(vmDir, 'vm.json');
    const source =
      mode === 'shared'
        ? await withDeadline(readJson<VmSpec>(specFile), SPEC_READ_MS, `reading ${specFile}`).catch(() => null)
        : null;
    const shared = source?.id === vm.id ? source : null;
    const diskPath = mode === 'shared' ? (shared?.diskPath ?? vm.diskPath!) : path.join(vmDir, 'disk0.qcow2');
    if (mode === 'shared' && !existsSync(diskPath)) throw noSuchObject('shared disk', diskPath);
    if (mode === 'storage' && existsSync(vmDir)) throw alreadyExists('VM directory', vmDir);
    if (vm.backingPath && !existsSync(vm.backingPath)) throw noSuchObject('backing image', vm.backingPath);
    const freeMiB = Math.floor((await readMeminfo()).availableBytes / 1024 ** 2);
    if (vm.memoryMiB > freeMiB) throw insufficientCapacity(ctx.hostName, vm.memoryMiB, freeMiB);
    const spec: VmSpec = {
      id: vm.id,
      name: vm.name,
      vcpus: vm.vcpus,
      memoryMiB: vm.memoryMiB,
      pool: pool.name,
      vmDir,
      diskPath,
      boot: vm.boot,
      owner: ctx.hostName,
      ...(shared?.linkedTo ? { linkedTo: shared.linkedTo } : {}),
    };
    await ctx.startGuard(spec); // HA: no shared-pool VM arrives on a host without a valid lease

    return ctx.withLock(vm.id, () =>
      UndoStack.run(ctx.log, async (undo) => {
        const marker: Marker = { mode, spec, createdVmDir: mode === 'storage' };
        ctx.vms.incoming.add(spec.id);
        undo.push(`remove incoming VM ${vm.id}`, () => cleanUp(marker));
        if (mode === 'storage') {
          await createDisk(spec, vm.diskSizeBytes, vm.backingPath);
          await writeJson(ctx.vms.paths(spec).spec, spec);
        }
        await mkdir(ctx.vms.paths(spec).runDir, { recursive: true });
        await writeJson(markerPath(spec), marker);
        ctx.vms.specs.set(spec.id, spec);

        const session = await ctx.vms.whileLaunching(vm.id, () =>
          launchVm({
            binary: ctx.binary,
            spec,
            paths: ctx.vms.paths(spec),
            incoming: true,
            accelerator: ctx.accelerator,
            log: ctx.log,
            onExit: ctx.vms.onExit,
          }),
        );
        ctx.vms.sessions.set(vm.id, session);
        await setMigrationCapabilities(session);
        let nbd: IncomingResponse['nbd'] = null;
        if (mode === 'storage') {
          const port = await freePort(bindHost);
          await session.execute('nbd-server-start', {
            addr: { type: 'inet', data: { host: bindHost, port: String(port) } },
          });
          // The export activates the image for writing although the VM is still incoming.
          await session.execute('block-export-add', {
            type: 'nbd',
            id: NBD_EXPORT,
            'node-name': DISK_NODE,
            name: NBD_EXPORT,
            writable: true,
          });
          nbd = { host: bindHost, port, exportName: NBD_EXPORT, backingPath: vm.backingPath };
        }
        const migrationUri = `tcp:${hostPort(bindHost, await freePort(bindHost))}`;
        await session.execute('migrate-incoming', { uri: migrationUri });

        const a: Arrival = { ...marker, session, aborting: false, arrived: Promise.resolve() };
        a.arrived = resumeWhenComplete(a);
        a.arrived.catch((err) => ctx.log(`VM ${vm.id}: incoming migration did not complete: ${errorMessage(err)}`));
        arrivals.set(vm.id, a);
        ctx.log(
          `VM ${vm.id}: waiting for incoming ${mode} migration on ${migrationUri}${nbd ? `, NBD ${hostPort(nbd.host, nbd.port)}` : ''}`,
        );
        return { migrationUri, nbd };
      }),
    );
  }

  // The VM runs here from now on: it is listed, and its spec names this host as owner.
  async function finish(id: string, guestReady: boolean): Promise<VmRuntime> {
    const a = arrivals.get(id);
    if (!a) return finishAfterRestart(id, guestReady);
    let t: NodeJS.Timeout | undefined;
    const late = new Promise<never>(
      (_, reject) =>
        (t = setTimeout(
          () => reject(timeout(`Incoming migration of VM ${id}`, RESUME_WAIT_MS / 1000)),
          RESUME_WAIT_MS,
        )),
    );
    try {
      await Promise.race([a.arrived, late]);
    } finally {
      clearTimeout(t);
    }
    arrivals.delete(id);
    return adopt(a.spec, guestReady);
  }

  async function adopt(spec: VmSpec, guestReady: boolean): Promise<VmRuntime> {
    if (guestReady) await ctx.vms.sessions.get(spec.id)?.carryReady();
    await writeJson(ctx.vms.paths(spec).spec, spec);
    await rm(markerPath(spec), { force: true });
    ctx.vms.specs.set(spec.id, spec);
    ctx.vms.incoming.delete(spec.id);
    return ctx.vms.runtime(spec);
  }

  // This agent restarted since prepare(): finished before (no marker), or a guest that resumed
  // here and still runs is adopted. One that never resumed cannot be any more (the resume watch
  // died with the agent): abort it, and the source takes the guest back.
  async function finishAfterRestart(id: string, guestReady: boolean): Promise<VmRuntime> {
    const m = await findMarker(id);
    if (!m) {
      const spec = await ctx.vms.find(id);
      if (spec && !ctx.vms.incoming.has(id)) return ctx.vms.runtime(spec);
      throw noSuchObject('incoming migration', id);
    }
    ctx.vms.incoming.add(id); // this host's run dir, never the source's (VmRegistry.paths)
    if (!m.resumed || !(await ctx.vms.liveRun(m.spec))) {
      throw conflict(`The incoming migration of VM ${id} was interrupted before its guest ran here; abort it`, {
        vmId: id,
        resumed: Boolean(m.resumed),
      });
    }
    return adopt(m.spec, guestReady);
  }

  async function cleanUp(m: Marker) {
    const { spec } = m;
    ctx.vms.incoming.add(spec.id); // this host's run dir, never the source's (VmRegistry.paths)
    const paths = ctx.vms.paths(spec);
    if (!m.createdVmDir && paths.runDir === spec.vmDir)
      throw conflict(`refusing to remove ${spec.vmDir}: it is the source's VM directory`);
    const run = await readJson<RunRecord>(paths.run).catch(() => null);
    const s = ctx.vms.sessions.get(spec.id);
    if (run && isQemuFor(run.pid, spec.id)) {
      // Once the state is in, this QEMU has activated the disk: a clean quit closes it with
      // consistent qcow2 metadata (bitmaps) for the source, which takes it back. Before that
      // nothing here is worth a clean quit.
      const arrived = s && (await queryMigrate(s).catch(() => null))?.status === 'completed';
      if (arrived) {
        s.shutdownReason = 'vmops-kill';
        await s.execute('quit', undefined, { timeoutMs: 5_000 }).catch(() => {});
      }
      if (!(await waitForExit(run.pid, spec.id, arrived ? 5_000 : 0))) {
        sendSignal(run.pid, 'SIGKILL');
        await waitForExit(run.pid, spec.id, 10_000);
      }
    }
    await s?.detach();
    // Shared mode: the directory, vm.json and disk are the source's; only this host's runs go.
    await rm(m.createdVmDir ? spec.vmDir : paths.runDir, { recursive: true, force: true });
    if (paths.socketDir !== paths.runDir) await rm(paths.socketDir, { recursive: true, force: true });
    ctx.vms.forget(spec.id);
  }

  // Idempotent: an unknown id is already aborted. Refused once the guest has run here: this is
  // then the copy to keep (the source may already have removed its own).
  async function abort(id: string): Promise<void> {
    await ctx.withLock(id, async () => {
      const a = arrivals.get(id);
      const m: Marker | null = a ?? (await findMarker(id));
      if (!m) return;
      if (m.resumed)
        throw conflict(`VM ${id} has run on this host since its migration arrived; finish the migration instead`, {
          vmId: id,
          resumed: true,
        });
      if (a) a.aborting = true; // checked by the resume watch right before `cont`
      await cleanUp(m);
      arrivals.delete(id);
      ctx.log(`VM ${id}: incoming migration aborted; removed what this host made`);
    });
  }

  return { prepare, finish, abort };
}

export type IncomingMigrations = ReturnType<typeof createIncomingMigrations>;
