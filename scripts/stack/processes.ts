// Child-process plumbing for the local stack: prefixed output, log files, orderly shutdown.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type Child = { name: string; proc: ChildProcess };

export function startChild(name: string, cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; logDir: string; quiet?: boolean }): Child {
  mkdirSync(opts.logDir, { recursive: true });
  const log = createWriteStream(path.join(opts.logDir, `${name}.log`), { flags: 'a' });
  const proc = spawn(cmd, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const relay = (chunk: Buffer) => {
    log.write(chunk);
    if (!opts.quiet) for (const line of chunk.toString().split('\n')) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
  };
  proc.stdout!.on('data', relay);
  proc.stderr!.on('data', relay);
  proc.on('exit', (code, signal) => log.write(`\n-- exited code=${code} signal=${signal}\n`));
  return { name, proc };
}

export function stopChildren(children: Child[], timeoutMs = 10_000): Promise<void> {
  return Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
          const kill = setTimeout(() => c.proc.kill('SIGKILL'), timeoutMs);
          c.proc.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          c.proc.kill('SIGTERM');
        }),
    ),
  ).then(() => undefined);
}

export async function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err || out}`))));
  });
}

// Kills the QEMU processes whose command line names a path under dir (a throwaway stack's VMs).
export function killQemuUnder(dir: string): number {
  let killed = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (/(^|\/)qemu-system-/.test(argv[0]) && argv.some((a) => a.includes(dir))) {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      }
    } catch {
      /* gone already, or not ours */
    }
  }
  return killed;
}
