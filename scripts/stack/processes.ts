// One-shot commands for the local stack and clean-up of a throwaway stack's VMs (the long-running
// processes: supervisor.ts).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export async function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err || out}`)),
    );
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
