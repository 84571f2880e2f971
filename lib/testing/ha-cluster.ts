// A real HA cluster for the failover tests and the benchmark: the mini-dashboard over the test
// database, the real worker runner and the real HA tick in this process, and agents (QEMU driver)
// as separate processes, each started in its own mount namespace. A namespace is "that host": a
// tmpfs mounted over the shared directory inside it cuts that agent AND its QEMUs (and its fence
// watchdog) off shared storage while everything else still sees it; killing every process of a
// namespace is a host crash.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAgentClient, type AgentClient } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { haTick } from '@/lib/domain/ha/monitor';
import { dashboardSecretFor } from '@/lib/domain/hosts/credentials';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { createVm } from '@/lib/domain/vms/service';
import { errorMessage } from '@/lib/errors';
import { freePort } from '@/lib/net/free-port';
import { sleep, waitFor } from '@/lib/wait-for';
import { spawnAgent, type AgentProcess } from './agents';
import { enrolledHost, importTestGuest } from './cluster';
import { admin } from './fixtures';
import { GUEST_DIR } from './guest';
import { startMiniDashboard } from './mini-dashboard';
import { mountNamespaceOf, processesIn } from './qemu-procs';
import { settled, startTestWorker } from './tasks';
import { tempDir } from './temp-dir';

export type HaHost = {
  name: string;
  hostId: string;
  data: string;
  port: number;
  agentUrl: string;
  proc: AgentProcess;
  mntNs: string;
  client: AgentClient;
};

const UNSHARE = ['unshare', '-m', '--propagation', 'private', '--'];
const CLOSED_PORT_URL = 'http://127.0.0.1:1'; // nothing listens on port 1: connection refused at once

function nsenter(pid: number, cmd: string[]): void {
  const r = spawnSync('nsenter', ['-t', String(pid), '-m', ...cmd], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0)
    throw new Error(`nsenter -t ${pid} -m ${cmd.join(' ')}: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
}

// The HA tick as the worker runs it: once a second, never two at a time.
function startHaTicks(log: (msg: string) => void) {
  let on = true;
  const loop = (async () => {
    while (on) {
      const t = Date.now();
      await haTick({ managerId: 'ha-test-worker', log }).catch((err) => log(`ha tick failed: ${errorMessage(err)}`));
      await sleep(Math.max(0, 1000 - (Date.now() - t)));
    }
  })();
  return { stop: () => ((on = false), loop) };
}

// Every process of a namespace (agent, fence watchdog, QEMUs) SIGKILLed at once, then again until
// none is left (one may have been forked meanwhile).
function killNamespace(mntNs: string): Promise<true> {
  if (mntNs === mountNamespaceOf(process.pid)) throw new Error(`${mntNs} is this process's own mount namespace`);
  const sweep = () => {
    const left = processesIn(mntNs);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    return left.length === 0;
  };
  return waitFor(`every process of ${mntNs} killed`, sweep, 10_000, 20);
}

// Each host's EDAC tree (--edac-root <data>/edac), laid out like /sys/devices/system/edac.
const edacDir = (data: string) => path.join(data, 'edac', 'mc', 'mc0');
function setMemoryErrors(data: string, corrected: number): void {
  mkdirSync(edacDir(data), { recursive: true });
  writeFileSync(path.join(edacDir(data), 'ce_count'), `${corrected}\n`);
  writeFileSync(path.join(edacDir(data), 'ue_count'), '0\n');
}

export async function startHaCluster(names: string[]) {
  if (!existsSync(path.join(GUEST_DIR, 'vmlinux'))) throw new Error('test guest missing: run scripts/build-guest.sh');
  const dashboard = await startMiniDashboard();
  const shared = await tempDir('vmops-ha-shared-');
  const dirs = [shared];
  const hosts = new Map<string, HaHost>();
  const tickLog: string[] = [];

  async function launch(name: string, data: string, port: number, token?: string): Promise<HaHost> {
    if (!existsSync(edacDir(data))) setMemoryErrors(data, 0); // the first reading is the baseline
    const extra = ['--edac-root', path.join(data, 'edac')];
    const args = {
      name,
      port,
      data,
      shared: shared.path,
      dashboard: dashboard.url,
      token,
      driver: 'qemu' as const,
      intervalMs: 1000,
      importDirs: [GUEST_DIR],
      extra,
    };
    const proc = spawnAgent(args, { wrap: UNSHARE });
    try {
      await proc.ready(120_000);
      // Read once it runs: until unshare has exec'd it, the child is still in OUR namespace.
      const mntNs = mountNamespaceOf(proc.child.pid!);
      if (!mntNs) throw new Error(`agent ${name} exited right after start:\n${proc.lines.join('\n')}`);
      const row = await enrolledHost(name);
      const client = createAgentClient({
        baseUrl: row.agentUrl,
        secret: await dashboardSecretFor(row),
        hostName: name,
        timeoutMs: 30_000,
      });
      const h: HaHost = { name, hostId: row.id, data, port, agentUrl: row.agentUrl, proc, mntNs, client };
      hosts.set(name, h);
      return h;
    } catch (err) {
      proc.child.kill('SIGKILL'); // before its first VM it has no watchdog or QEMU
      throw err;
    }
  }

  const close = async () => {
    for (const h of hosts.values()) await killNamespace(h.mntNs).catch(() => {});
    await dashboard.close();
    for (const d of dirs) await d.remove();
  };
  try {
    for (const name of names) {
      const data = await tempDir(`vmops-ha-${name}-`);
      dirs.push(data);
      await launch(name, data.path, await freePort(), await createEnrollmentToken(name));
    }
  } catch (err) {
    await close();
    throw err;
  }
  const worker = startTestWorker(3, 'ha-worker');
  const ticks = startHaTicks((m) => tickLog.push(`${new Date().toISOString()} ${m}`));

  const host = (name: string): HaHost => {
    const h = hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  };
  const byId = (hostId: string): HaHost => [...hosts.values()].find((h) => h.hostId === hostId)!;

  // A host crash: its whole namespace killed. Returns the crash instant.
  async function crash(name: string): Promise<number> {
    const at = Date.now();
    await killNamespace(host(name).mntNs);
    return at;
  }

  return {
    dashboard,
    sharedDir: shared.path,
    hosts: () => [...hosts.values()],
    host,
    byId,
    importGuest: importTestGuest,
    crash,
    // A crashed host back: same data dir (saved credentials), same port, a new namespace.
    restart: (name: string) => launch(name, host(name).data, host(name).port),
    // Storage partition of a live host: only its namespace sees a read-only empty tmpfs there.
    partition: (name: string) =>
      nsenter(host(name).proc.child.pid!, ['mount', '-t', 'tmpfs', '-o', 'ro', 'none', shared.path]),
    heal: (name: string) => nsenter(host(name).proc.child.pid!, ['umount', shared.path]),
    // Dashboard partition only: its heartbeats dropped and its API unreachable from the dashboard.
    async isolate(name: string) {
      dashboard.blockedHeartbeats.add(host(name).hostId);
      await db().host.update({ where: { id: host(name).hostId }, data: { agentUrl: CLOSED_PORT_URL } });
    },
    async reconnect(name: string) {
      await db().host.update({ where: { id: host(name).hostId }, data: { agentUrl: host(name).agentUrl } });
      dashboard.blockedHeartbeats.delete(host(name).hostId);
    },
    // Corrected memory errors the host's agent reads from its EDAC tree from now on.
    setMemoryErrors: (name: string, corrected: number) => setMemoryErrors(host(name).data, corrected),
    // A running test guest on `hostName` in the SHARED pool.
    async sharedVm(name: string, hostName: string, imageId: string): Promise<string> {
      const { taskId, vmId } = await createVm(admin, {
        name,
        imageId,
        hostId: host(hostName).hostId,
        vcpus: 1,
        memoryMiB: 128,
        diskSizeGiB: 0.0625,
        pool: 'shared',
        haEnabled: false,
        tags: [],
      });
      const t = await settled(taskId);
      if (t.state !== 'succeeded') throw new Error(`create ${name} failed: ${t.error?.message}`);
      return vmId;
    },
    logs: () =>
      [
        ...[...hosts.values()].map((h) => `--- agent ${h.name} ---\n${h.proc.lines.slice(-60).join('\n')}`),
        `--- ha tick ---\n${tickLog.slice(-20).join('\n')}`,
      ].join('\n'),
    async close() {
      await ticks.stop();
      await worker.stop();
      await close();
    },
  };
}

export type HaCluster = Awaited<ReturnType<typeof startHaCluster>>;
