// One process of the local stack, kept running: output prefixed in the terminal and appended to
// <logDir>/<name>.log across restarts. A process that dies is started again after a backoff
// (1 s doubling to 30 s, back to 1 s once a run lasted 60 s), noted in both places; never once
// stop() was called, and not while `restart()` says no (the stack still coming up or shutting down).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

export type Backoff = { initialMs: number; maxMs: number; resetAfterMs: number };
export const STACK_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null; uptimeMs: number };

export type SuperviseOptions = {
  env: NodeJS.ProcessEnv;
  logDir: string;
  quiet?: boolean; // the child's own output goes to its log file only (restart notes still print)
  backoff?: Backoff;
  restart?: () => boolean; // asked on each exit; false: no restart, onExit decides what follows
  onExit?: (exit: ExitInfo, restarting: boolean) => void;
  print?: (line: string) => void; // terminal, stdout by default
};

export type Supervised = {
  readonly name: string;
  pid(): number | undefined; // undefined while dead (waiting for its restart) or stopped
  restarts(): number;
  stop(timeoutMs?: number): Promise<void>; // SIGTERM, SIGKILL after timeoutMs; cancels a pending restart
};

// Delay before the restart that follows the n-th exit in a row that came within resetAfterMs of
// its start (n >= 1).
export function restartDelay(quickExits: number, b: Backoff): number {
  return Math.min(b.initialMs * 2 ** Math.max(0, quickExits - 1), b.maxMs);
}

const secs = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

export function supervise(name: string, cmd: string, args: string[], opts: SuperviseOptions): Supervised {
  const b = opts.backoff ?? STACK_BACKOFF;
  const print = opts.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = path.join(opts.logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  // Output can still arrive after 'exit' (pipes drain later) and after stop() closed the log.
  const write = (data: string | Buffer) => void (log.writableEnded || log.write(data));
  const note = (msg: string, terminal = true) => {
    write(`-- ${new Date().toISOString()} ${msg}\n`);
    if (terminal) print(`[${name}] ${msg}`);
  };
  let proc: ChildProcess | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopping = false;
  let restarts = 0;
  let quickExits = 0;

  const exited = (e: ExitInfo) => {
    const how = e.signal ? `signal=${e.signal}` : `code=${e.code}`;
    if (stopping) return note(`exited ${how} (stopped)`, false);
    if (!(opts.restart?.() ?? true)) {
      note(`exited ${how}; see ${logFile}`);
      return opts.onExit?.(e, false);
    }
    quickExits = e.uptimeMs >= b.resetAfterMs ? 1 : quickExits + 1;
    restarts++;
    const delay = restartDelay(quickExits, b);
    const streak = quickExits > 1 ? `, ${quickExits} exits in a row within ${secs(b.resetAfterMs)} of starting` : '';
    note(`exited ${how} after ${secs(e.uptimeMs)}; restarting in ${secs(delay)} (restart ${restarts}${streak})`);
    // Said once per streak: a process that keeps dying is still retried, at the capped pace.
    if (delay === b.maxMs && restartDelay(quickExits - 1, b) < b.maxMs)
      note(
        `keeps dying soon after starting; retrying every ${secs(b.maxMs)} until a run lasts ${secs(b.resetAfterMs)}; ` +
          `see ${logFile}`,
      );
    timer = setTimeout(run, delay);
    opts.onExit?.(e, true);
  };

  const run = () => {
    timer = null;
    if (stopping) return;
    const startedAt = Date.now();
    const p = spawn(cmd, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    if (restarts > 0) note(`started again (pid ${p.pid})`, false);
    const relay = (chunk: Buffer) => {
      write(chunk);
      if (!opts.quiet) for (const line of chunk.toString().split('\n')) if (line.trim()) print(`[${name}] ${line}`);
    };
    p.stdout!.on('data', relay);
    p.stderr!.on('data', relay);
    let ended = false;
    // 'exit', not 'close': an agent's QEMU processes may hold its pipes open long after it died.
    const end = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      proc = null;
      exited({ code, signal, uptimeMs: Date.now() - startedAt });
    };
    p.once('exit', end);
    p.once('error', (err) => {
      note(`could not run ${cmd}: ${err.message}`);
      end(null, null);
    });
  };

  run();
  return {
    name,
    pid: () => proc?.pid,
    restarts: () => restarts,
    async stop(timeoutMs = 10_000) {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const p = proc;
      if (p) {
        await new Promise<void>((resolve) => {
          const kill = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
          p.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          p.kill('SIGTERM');
        });
      }
      if (!log.writableEnded) await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}

export const stopAll = (all: Supervised[], timeoutMs?: number) =>
  Promise.all(all.map((s) => s.stop(timeoutMs))).then(() => undefined);
