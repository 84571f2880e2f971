// The fence watchdog (wdmd's model): a small process beside the agent, spawned detached, that the
// agent feeds after each lease renewal with {deadline, shared-pool VMs and their QEMU pids}. Past
// the deadline (+ 250 ms grace) it SIGKILLs those that still are that VM's QEMU (/proc/<pid>/cmdline names it) and
// writes fenced.json. It keeps enforcing the last deadline when the agent dies or stops, so a
// kill -9 of the agent alone cannot leave QEMU writing after the peers declare the lease expired.
// It exits when it guards nothing and no agent has been connected for 30 s, or its data dir is gone.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isQemuFor } from '../qemu/process';
import { feedSchema, watchdogPaths, type FencedRecord, type GuardedVm } from './watchdog-wire';

export const WATCHDOG_POLL_MS = 100;
// The watchdog is the backstop: a live agent fences (and records what it fenced) first.
export const WATCHDOG_GRACE_MS = 250;
export const WATCHDOG_IDLE_EXIT_MS = 30_000;
const MAX_LINE = 1024 * 1024;

const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} watchdog[${process.pid}]: ${msg}\n`);

function otherWatchdogAlive(pidFile: string): boolean {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('fence-watchdog');
  } catch {
    return false;
  }
}

export function runWatchdog(dataDir: string): void {
  const p = watchdogPaths(dataDir);
  if (otherWatchdogAlive(p.pidFile)) {
    log('another watchdog serves this data dir; exiting');
    process.exit(0);
  }
  process.umask(0o077); // its socket (a feed could disarm it), pidfile and record: the agent's user only
  mkdirSync(path.dirname(p.socket), { recursive: true, mode: 0o700 });
  writeFileSync(p.pidFile, `${process.pid}\n`);
  rmSync(p.socket, { force: true }); // left by a dead predecessor

  let deadlineNs: bigint | null = null;
  let vms: GuardedVm[] = [];
  const clients = new Set<net.Socket>();
  let lastBusyNs = process.hrtime.bigint();

  const server = net.createServer((sock) => {
    clients.add(sock);
    log(`agent connected (guarding ${vms.length} VM(s))`);
    sock.write(`${JSON.stringify({ pid: process.pid, deadlineNs: deadlineNs?.toString() ?? null, vms })}\n`);
    let buf = '';
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.length > MAX_LINE) return sock.destroy();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const feed = (() => {
          try {
            return feedSchema.safeParse(JSON.parse(line));
          } catch {
            return null;
          }
        })();
        if (!feed?.success) {
          log('ignored a malformed message');
          continue;
        }
        deadlineNs = BigInt(feed.data.deadlineNs);
        vms = feed.data.vms;
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clients.delete(sock);
      log(
        `agent disconnected; ${vms.length ? `still guarding ${vms.map((v) => v.id).join(', ')} until the last deadline` : 'guarding nothing'}`,
      );
    });
  });
  server.listen(p.socket);

  const exit = (why: string) => {
    log(`exiting: ${why}`);
    rmSync(p.socket, { force: true });
    if (existsSync(p.dir)) rmSync(p.pidFile, { force: true });
    process.exit(0);
  };

  setInterval(() => {
    if (!existsSync(dataDir)) return exit(`${dataDir} is gone`);
    const now = process.hrtime.bigint();
    if (vms.length && deadlineNs !== null && now > deadlineNs + BigInt(WATCHDOG_GRACE_MS) * 1_000_000n) {
      const killed = vms.filter((v) => isQemuFor(v.pid, v.id));
      for (const v of killed) {
        try {
          process.kill(v.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      const lateMs = Number((now - deadlineNs) / 1_000_000n);
      log(
        `deadline passed ${lateMs} ms ago: FENCED, SIGKILLed ${killed.map((v) => `${v.id} (pid ${v.pid})`).join(', ') || 'nothing (all gone)'}`,
      );
      try {
        const record: FencedRecord = { at: new Date().toISOString(), lateMs, killed };
        writeFileSync(`${p.fenced}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
        renameSync(`${p.fenced}.tmp`, p.fenced); // readers see the whole record or none
      } catch (err) {
        log(`cannot write ${p.fenced}: ${(err as Error).message}`);
      }
      vms = [];
    }
    if (vms.length || clients.size) lastBusyNs = now;
    else if (now - lastBusyNs > BigInt(WATCHDOG_IDLE_EXIT_MS) * 1_000_000n)
      exit('guarding nothing and no agent connected for 30 s');
  }, WATCHDOG_POLL_MS);
}
