// Link probe: a real QEMU-to-QEMU live migration between two hosts, of a running machine (no
// disk, idle firmware) whose RAM holds random bytes (no zero pages, nothing compressible), as the
// dashboard runs it when hosts join. It measures what the migration estimate needs before any VM
// ever moved between them: QEMU's own migration throughput over that link, the target's QEMU start
// time and the fixed set-up and hand-over costs of a migration. Probe QEMUs are named `vmops-probe-<id>`, hold no
// disk, run under coreutils' `timeout` so they die after PROBE_TTL_MS even when the agent is
// gone, and at most MAX_PROBES run at once per agent (each holds 64 MiB).
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { conflict, noSuchObject, qemuError, timeout } from '@/lib/errors';
import { freePort } from '@/lib/net/free-port';
import { sleep } from '@/lib/wait-for';
import { MACHINE } from '../qemu/args';
import type { QemuContext } from '../qemu/context';
import { hostPort, type QueryMigrate } from '../qemu/migration-qmp';
import { isQemuFor, sendSignal, spawnQemu, waitForExit } from '../qemu/process';
import { QmpClient } from '../qemu/qmp-client';
import {
  DEFAULT_DOWNTIME_LIMIT_MS,
  DEFAULT_MAX_BANDWIDTH_BYTES,
  type ProbeIncoming,
  type ProbeResult,
} from '@/lib/agent-protocol/migration';

const MiB = 1024 * 1024;
export const PROBE_RAM_MIB = 64;
const PROBE_TTL_MS = 60_000;
const MAX_PROBES = 2;
const QMP_UP_MS = 15_000;
const MIGRATE_MS = 60_000;

type Probe = { id: string; pid: number; qmp: QmpClient; dir: string; ttl: NodeJS.Timeout; ended: boolean };

// Probe files live under the system's temp dir, never in a pool or the agent's data (short socket
// paths, and nothing of a VM's is ever touched).
export function createLinkProbes(ctx: QemuContext) {
  const root = path.join(os.tmpdir(), `vmops-probe-${process.getuid?.() ?? 0}`);
  const incoming = new Map<string, Probe>();
  const ramFile = path.join(root, `ram-${PROBE_RAM_MIB}m.bin`);

  // Random RAM contents, written once per machine (the file backs a private mapping: the probe
  // never writes it).
  async function ensureRamFile() {
    if (existsSync(ramFile)) return;
    await mkdir(root, { recursive: true });
    const tmp = `${ramFile}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w');
    try {
      for (let i = 0; i < PROBE_RAM_MIB; i++) await fh.write(randomBytes(MiB));
    } finally {
      await fh.close();
    }
    await rename(tmp, ramFile);
  }

  let running = 0;
  async function spawnProbe(id: string, backend: string, extra: string[]): Promise<{ probe: Probe; startMs: number }> {
    if (running >= MAX_PROBES)
      throw conflict(`Link probe: ${running} probes already run on this host; try again in a minute`);
    running++;
    try {
      return await spawnBounded(id, backend, extra);
    } catch (err) {
      running--;
      throw err;
    }
  }

  async function spawnBounded(
    id: string,
    backend: string,
    extra: string[],
  ): Promise<{ probe: Probe; startMs: number }> {
    const dir = path.join(root, id);
    await mkdir(dir, { recursive: true });
    const sock = path.join(dir, 'qmp.sock');
    const argv = [
      '-name',
      `vmops-probe-${id}`,
      '-S',
      '-nodefaults',
      '-display',
      'none',
      '-machine',
      `${MACHINE},memory-backend=ram0`,
      '-accel',
      ctx.accelerator === 'tcg' ? 'tcg,tb-size=64' : 'kvm',
      '-m',
      `${PROBE_RAM_MIB}M`,
      '-object',
      backend,
      '-qmp',
      `unix:${sock},server=on,wait=off`,
      ...extra,
    ];
    const t0 = performance.now();
    const ttl = ['--signal=KILL', `${PROBE_TTL_MS / 1000}s`, ctx.binary];
    const { pid } = await spawnQemu('timeout', [...ttl, ...argv], { logPath: path.join(dir, 'qemu.log'), cwd: dir });
    const until = Date.now() + QMP_UP_MS;
    for (;;) {
      try {
        const qmp = await QmpClient.connect(sock, { connectTimeoutMs: 2_000 });
        const startMs = performance.now() - t0;
        const probe: Probe = { id, pid, qmp, dir, ttl: setTimeout(() => void end(probe), PROBE_TTL_MS), ended: false };
        probe.ttl.unref();
        return { probe, startMs };
      } catch (err) {
        if (Date.now() > until || !isQemuFor(pid, `vmops-probe-${id}`)) {
          sendSignal(pid, 'SIGTERM'); // `timeout` passes it on to its QEMU
          await rm(dir, { recursive: true, force: true });
          throw qemuError('link probe', `probe QEMU did not come up: ${(err as Error).message}`);
        }
        await sleep(20);
      }
    }
  }

  async function end(p: Probe) {
    if (p.ended) return;
    p.ended = true;
    incoming.delete(p.id);
    clearTimeout(p.ttl);
    await p.qmp.execute('quit', undefined, { timeoutMs: 2_000 }).catch(() => {});
    await p.qmp.close().catch(() => {});
    // `timeout` passes a TERM on to its QEMU.
    if (!(await waitForExit(p.pid, `vmops-probe-${p.id}`, 2_000))) sendSignal(p.pid, 'SIGTERM');
    await rm(p.dir, { recursive: true, force: true });
    running--;
  }

  return {
    // Target side: a probe QEMU waiting for the incoming state.
    async prepare(bindHost: string): Promise<ProbeIncoming> {
      const id = randomUUID();
      const { probe, startMs } = await spawnProbe(id, `memory-backend-ram,id=ram0,size=${PROBE_RAM_MIB}M`, [
        '-incoming',
        'defer',
      ]);
      try {
        const migrationUri = `tcp:${hostPort(bindHost, await freePort(bindHost))}`;
        await probe.qmp.execute('migrate-incoming', { uri: migrationUri });
        incoming.set(id, probe);
        return { probeId: id, migrationUri, qemuStartMs: Math.round(startMs) };
      } catch (err) {
        await end(probe);
        throw err;
      }
    },

    // Source side: sends the random RAM with the settings a VM migration uses.
    async send(migrationUri: string): Promise<ProbeResult> {
      await ensureRamFile();
      const { probe } = await spawnProbe(
        randomUUID(),
        `memory-backend-file,id=ram0,size=${PROBE_RAM_MIB}M,mem-path=${ramFile},share=off`,
        [],
      );
      try {
        await probe.qmp.execute('migrate-set-parameters', {
          'max-bandwidth': DEFAULT_MAX_BANDWIDTH_BYTES,
          'downtime-limit': DEFAULT_DOWNTIME_LIMIT_MS,
        });
        // Running, as a VM being migrated is: dirty tracking and a live vCPU halve QEMU's throughput
        // on TCG against a paused machine's (which measured 2-4x faster than real migrations).
        await probe.qmp.execute('cont');
        const t0 = performance.now();
        await probe.qmp.execute('migrate', { uri: migrationUri });
        const until = Date.now() + MIGRATE_MS;
        for (;;) {
          const q = await probe.qmp.execute<QueryMigrate>('query-migrate');
          if (q.status === 'completed') {
            return {
              bytes: q.ram?.transferred ?? 0,
              transferMs: Math.round(performance.now() - t0),
              downtimeMs: q.downtime ?? 0,
            };
          }
          // Mostly the target's side (nothing listening, gone): the caller's to fix, not ours.
          if (q.status === 'failed' || q.status === 'cancelled')
            throw conflict(`Link probe to ${migrationUri} failed: ${q['error-desc'] ?? q.status}`, { migrationUri });
          if (Date.now() > until) throw timeout('Link probe migration', MIGRATE_MS / 1000);
          await sleep(10);
        }
      } finally {
        await end(probe);
      }
    },

    // Target side: the state arrived (or not); the probe QEMU goes either way.
    async finish(probeId: string): Promise<{ arrived: boolean }> {
      const p = incoming.get(probeId);
      if (!p) throw noSuchObject('link probe', probeId);
      const q = await p.qmp.execute<QueryMigrate>('query-migrate').catch(() => ({}) as QueryMigrate);
      await end(p);
      return { arrived: q.status === 'completed' };
    },

    async close() {
      await Promise.all([...incoming.values()].map(end));
    },
  };
}

export type LinkProbes = ReturnType<typeof createLinkProbes>;
