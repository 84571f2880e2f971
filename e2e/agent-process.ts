import { readdirSync, readFileSync } from 'node:fs';

// The e2e stack runs each agent as `node ... lib/agent/main.ts --name <name> ...` under a supervisor
// that restarts a dead one within a second: to make a host fail for real, freeze its agent
// (SIGSTOP) instead, so its lease stops; its fence watchdog (another process) still kills its VMs.
export function agentPid(name: string): number {
  const found = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv.some((a) => a.endsWith('lib/agent/main.ts')) && argv[argv.indexOf('--name') + 1] === name;
      } catch {
        return false; // gone meanwhile
      }
    });
  if (found.length !== 1) throw new Error(`expected one agent process named ${name}, found ${found.length}`);
  return Number(found[0]);
}

/** Freezes the agent; the returned function thaws it (once; safe in a finally). */
export function freezeAgent(name: string): () => void {
  const pid = agentPid(name);
  process.kill(pid, 'SIGSTOP');
  let thawed = false;
  return () => {
    if (thawed) return;
    thawed = true;
    process.kill(pid, 'SIGCONT');
  };
}
