// The agent's end of the fence watchdog: connect to the one serving this data dir (a restarted
// agent finds the one its predecessor spawned), else spawn it detached with this process's own
// runtime (process.execPath + execArgv: agents run under tsx), stdio to <data>/ha/watchdog.log.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { haUnavailable } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import { watchdogPaths, type GuardedVm, type WatchdogFeed } from './watchdog-wire';

const MAIN = fileURLToPath(new URL('./fence-watchdog-main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url)); // where `--import tsx` resolves
const START_WAIT_MS = 15_000; // tsx compiling on a loaded 2-core host

// The agent's own runtime when it carries a TypeScript loader (tsx CLI or --import tsx); an agent
// inside a test runner has another one, so tsx is named explicitly there.
const runtimeArgs = () => (process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : ['--import', 'tsx']);

const connect = (socket: string) =>
  new Promise<net.Socket | null>((resolve) => {
    const s = net.createConnection(socket);
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(null));
  });

export function createWatchdogClient(o: { dataDir: string; host: string; log: (msg: string) => void }) {
  const p = watchdogPaths(o.dataDir);
  let sock: net.Socket | null = null;
  let pending: Promise<void> | null = null;
  let last: WatchdogFeed | null = null;
  let closed = false;

  function adopt(s: net.Socket) {
    sock = s;
    s.unref(); // the agent's server keeps the process alive, not this
    s.on('error', () => {});
    s.on('close', () => {
      if (sock === s) sock = null;
      if (!closed) o.log('fence watchdog connection lost; reconnecting at the next renewal');
    });
    s.on('data', () => {}); // its greeting (state) is for people reading the socket
    if (last) s.write(`${JSON.stringify(last)}\n`);
  }

  async function connectOrSpawn(): Promise<void> {
    let s = await connect(p.socket);
    if (!s) {
      mkdirSync(p.dir, { recursive: true });
      const out = openSync(p.log, 'a');
      try {
        const child = spawn(process.execPath, [...runtimeArgs(), MAIN, '--data', o.dataDir], {
          cwd: REPO,
          detached: true,
          stdio: ['ignore', out, out],
        });
        child.unref();
        o.log(`fence watchdog spawned (pid ${child.pid}, log ${p.log})`);
      } finally {
        closeSync(out);
      }
      for (const until = Date.now() + START_WAIT_MS; !s && Date.now() < until;) {
        await sleep(50);
        s = await connect(p.socket);
      }
      if (!s)
        throw haUnavailable(o.host, `its fence watchdog did not start within ${START_WAIT_MS / 1000} s (see ${p.log})`);
    }
    if (closed) s.destroy();
    else adopt(s);
  }

  // Connected (spawning it if needed); throws when it cannot be had: then no shared-pool VM may start.
  function ensure(): Promise<void> {
    if (sock) return Promise.resolve();
    pending ??= connectOrSpawn().finally(() => (pending = null));
    return pending;
  }

  return {
    ensure,
    feed(deadlineNs: bigint, vms: GuardedVm[]) {
      last = { deadlineNs: deadlineNs.toString(), vms };
      if (sock) sock.write(`${JSON.stringify(last)}\n`);
      // Connected whenever the agent runs (the watchdog never idles out under a live agent).
      else if (!closed) ensure().catch((err: Error) => o.log(`fence watchdog: ${err.message}`));
    },
    // Disconnects WITHOUT disarming: a stopped agent loses its lease like a dead one, and the
    // watchdog still kills its shared-pool QEMUs at the last deadline.
    close() {
      closed = true;
      sock?.end();
      sock = null;
    },
  };
}
