// Agents for tests: their command line, one in this process (simulated driver or QEMU) and one
// as its own process (for signals: kill -9, restarts).
import { spawn, type ChildProcess } from 'node:child_process';
import { createAgentClient, type AgentClient } from '@/lib/agent-client';
import { startAgent } from '@/lib/agent/agent';
import { parseAgentConfig, type PoolConfig } from '@/lib/agent/config';
import { createSimulatedDriver } from '@/lib/agent/driver/simulated';
import type { Driver } from '@/lib/agent/driver/types';
import { createMemoryLogger, type Logger } from '@/lib/agent/log';
import { createQemuDriver } from '@/lib/agent/qemu/index';
import { freePort } from '@/lib/net/free-port';
import { waitFor } from '@/lib/wait-for';
import { startFakeDashboard, type FakeDashboard } from './fake-dashboard';
import { GUEST_DIR, REPO_DIR } from './guest';
import { tempDir } from './temp-dir';

export type AgentArgs = {
  name: string;
  data: string;
  shared: string;
  dashboard: string;
  port?: number; // 0 (the default): any free one; a real port when the agent's URL must be known before it listens
  token?: string;
  driver?: 'qemu' | 'simulated';
  intervalMs?: number;
  importDirs?: string[];
  extra?: string[];
};

export function agentArgs(a: AgentArgs): string[] {
  return [
    '--name',
    a.name,
    '--port',
    String(a.port ?? 0),
    '--data',
    a.data,
    '--shared',
    a.shared,
    '--dashboard',
    a.dashboard,
    ...(a.token ? ['--enroll-token', a.token] : []),
    ...(a.driver ? ['--driver', a.driver] : []),
    ...(a.intervalMs ? ['--interval-ms', String(a.intervalMs)] : []),
    ...(a.importDirs?.length ? ['--import-dir', a.importDirs.join(',')] : []),
    ...(a.extra ?? []),
  ];
}

// An in-process agent on an ephemeral port with the simulated driver (unless one is given),
// enrolled against `dashboard`. Callers await `agent.enrolled` when they need the secret (the
// dashboard's, to call the agent).
// driverFor: a driver built for the agent's own pools (e.g. QEMU: pools exist only once the
// temp dirs do).
export async function startTestAgent(opts: {
  dashboard: FakeDashboard | string;
  name?: string;
  driver?: Driver;
  driverFor?: (pools: PoolConfig[], log: Logger) => Promise<Driver>;
  extraArgs?: string[];
}) {
  const data = await tempDir('vmops-data-');
  const shared = await tempDir('vmops-shared-');
  const dashboard = typeof opts.dashboard === 'string' ? opts.dashboard : opts.dashboard.url;
  const token = typeof opts.dashboard === 'string' ? 'unused-token-0123456789' : opts.dashboard.token;
  const name = opts.name ?? 'h1';
  const config = parseAgentConfig(
    agentArgs({ name, data: data.path, shared: shared.path, dashboard, token, extra: opts.extraArgs }),
    {},
  );
  const log = createMemoryLogger(`vmops:agent:${name}`);
  const driver =
    opts.driver ??
    (opts.driverFor
      ? await opts.driverFor(config.pools, log)
      : createSimulatedDriver({ pools: config.pools, bootDelayMs: 50 }));
  const agent = await startAgent(config, { driver, log });
  agent.enrolled.catch(() => {}); // observed by the tests that care
  return {
    agent,
    config,
    log,
    baseUrl: `http://127.0.0.1:${agent.port}`,
    async secret() {
      await agent.enrolled;
      return typeof opts.dashboard === 'string'
        ? ''
        : opts.dashboard.enrolled.find((h) => h.name === name)!.dashboardSecret;
    },
    async stop() {
      await agent.close();
      await data.remove();
      await shared.remove();
    },
  };
}

export type QemuTestAgent = Awaited<ReturnType<typeof startQemuTestAgent>>;

// An in-process agent on the real QEMU driver, the test guest's directory allowed for imports.
// With `dashboard` (a real dashboard's URL and an enrollment token, e.g. mini-dashboard.ts) it
// enrolls there, otherwise against a fake one; the client is only built for the fake dashboard
// (the real one keeps the secret itself). A real port, not 0: the agent URL the dashboard stores
// is built from it before listening.
export async function startQemuTestAgent(name = 'r1', dashboard?: { url: string; token: string }) {
  const fake = dashboard ? null : await startFakeDashboard();
  const dash = dashboard ?? { url: fake!.url, token: fake!.token };
  const data = await tempDir('vmops-qemu-data-');
  const shared = await tempDir('vmops-qemu-shared-');
  const port = await freePort();
  const config = parseAgentConfig(
    agentArgs({
      name,
      port,
      data: data.path,
      shared: shared.path,
      dashboard: dash.url,
      token: dash.token,
      intervalMs: 1000,
      importDirs: [GUEST_DIR],
    }),
    {},
  );
  const log = createMemoryLogger(`vmops:agent:${name}`);
  const driver: Driver = await createQemuDriver({ pools: config.pools, log });
  const agent = await startAgent(config, { driver, log });
  await agent.enrolled;
  const client = fake
    ? fakeEnrolledClient(fake, name, agent.port)
    : createAgentClient({ baseUrl: `http://127.0.0.1:${agent.port}`, secret: '', hostName: name, timeoutMs: 120_000 });
  return {
    client,
    driver,
    log,
    baseUrl: `http://127.0.0.1:${agent.port}`,
    // The dashboard's secret for calls the client does not make (WebSockets); only with the fake dashboard.
    secret: fake?.enrolled.find((h) => h.name === name)?.dashboardSecret ?? null,
    pool: config.pools[0],
    shared: shared.path,
    async stop() {
      for (const vm of await driver.listVms().catch(() => []))
        if (vm.state === 'running' || vm.state === 'paused') await driver.killVm(vm.id).catch(() => {});
      await agent.close();
      await fake?.close();
      await data.remove();
      await shared.remove();
    },
  };
}

// A client of an agent enrolled with the fake dashboard (which hands out the secret to call it).
// Patient timeout: on a loaded 2-core machine a TCG boot and QMP handshake can take a while.
export function fakeEnrolledClient(dash: FakeDashboard, name: string, port: number): AgentClient {
  const secret = dash.enrolled.find((h) => h.name === name)!.dashboardSecret;
  return createAgentClient({ baseUrl: `http://127.0.0.1:${port}`, secret, hostName: name, timeoutMs: 120_000 });
}

export type AgentProcess = { child: ChildProcess; lines: string[]; ready(timeoutMs?: number): Promise<void> };

// An agent as its own process. `node --import tsx` (not npx or the tsx CLI, which do not forward
// signals): the child IS the agent, so a signal reaches it and nothing else. Its output is kept in
// `lines` (and echoed when asked); ready() waits for its "ready: host" line or fails with its output.
// `wrap`: a command that execs the rest (e.g. `unshare -m --`), so the child is still the agent.
export function spawnAgent(args: AgentArgs, opts: { echo?: boolean; wrap?: string[] } = {}): AgentProcess {
  const argv = [process.execPath, '--import', 'tsx', 'lib/agent/main.ts', ...agentArgs(args)];
  const [cmd, ...rest] = [...(opts.wrap ?? []), ...argv];
  const child = spawn(cmd, rest, {
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VMOPS_DRIVER: '' }, // --driver decides, not the caller's environment
  });
  const lines: string[] = [];
  for (const s of [child.stdout!, child.stderr!])
    s.on('data', (b: Buffer) => {
      lines.push(...b.toString().split('\n').filter(Boolean));
      if (opts.echo) process.stderr.write(b);
    });
  const exited = () =>
    child.exitCode !== null &&
    Promise.reject(new Error(`agent ${args.name} exited ${child.exitCode}:\n${lines.join('\n')}`));
  const ready = async (timeoutMs = 60_000) => {
    await waitFor(
      `agent ${args.name} ready`,
      () => lines.some((l) => l.includes(' ready: host ')) || exited(),
      timeoutMs,
    );
  };
  return { child, lines, ready };
}
