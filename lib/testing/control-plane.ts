// Control-plane processes of their own for scale-out tests: workers (lib/worker/main.ts, every
// timer and the task runner, as `npm start` runs it) and mini-dashboards (the agent-facing
// endpoints), all on the test database of this process (DATABASE_URL and the key file inherited).
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '@/lib/wait-for';
import { REPO_DIR } from './guest';

export type ControlProcess = { name: string; child: ChildProcess; lines: string[]; kill(): void };

function start(name: string, script: string, env: Record<string, string> = {}): ControlProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=react-server', script], {
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  for (const s of [child.stdout!, child.stderr!])
    s.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
  return { name, child, lines, kill: () => void child.kill('SIGKILL') };
}

// A worker whose task leases last leaseMs (30 s in production): a killed one's task is handed over
// sooner. env: more of the worker's settings (e.g. VMOPS_WORKER_CONCURRENCY).
export async function startWorkerProcess(
  name: string,
  leaseMs: number,
  env: Record<string, string> = {},
): Promise<ControlProcess> {
  const p = start(name, 'lib/worker/main.ts', { ...env, VMOPS_TASK_LEASE_MS: String(leaseMs) });
  await waitFor(`worker ${name} started`, () => p.lines.some((l) => l.includes('started as')) || exited(p), 60_000);
  return p;
}

export async function startDashboardProcess(name: string): Promise<ControlProcess & { url: string }> {
  const p = start(name, 'lib/testing/mini-dashboard-main.ts');
  const url = await waitFor(
    `dashboard ${name} listening`,
    () => p.lines.map((l) => /^listening (\S+)/.exec(l)?.[1]).find(Boolean) ?? exited(p),
    60_000,
  );
  return { ...p, url };
}

const exited = (p: ControlProcess) =>
  p.child.exitCode !== null &&
  Promise.reject(new Error(`${p.name} exited ${p.child.exitCode}:\n${p.lines.join('\n')}`));
