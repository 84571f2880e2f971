// Two-site replication set-up for real-QEMU tests (lib/agent/replication/*.integ.ts): agents as
// their own processes, each site with its own data and shared dirs, enrolled with a fake
// dashboard; a run driven the way the worker drives it (receive, send, commit; abort on failure).
import path from 'node:path';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { sendResultSchema, type SendResult } from '@/lib/agent-protocol/replication';
import { fakeEnrolledClient, spawnAgent, type AgentProcess } from './agents';
import type { FakeDashboard } from './fake-dashboard';
import { waitFor } from '@/lib/wait-for';

export type SiteAgent = { proc: AgentProcess; port: number; c: AgentClient; secret: string; url: string };

export const pointId = (n: number) => `rpl-${n.toString(16).padStart(12, '0')}`;

export async function startSiteAgent(
  dash: FakeDashboard,
  root: string,
  a: { name: string; site: string; port: number; enroll: boolean },
): Promise<SiteAgent> {
  const proc = spawnAgent({
    name: a.name,
    port: a.port,
    data: path.join(root, a.name, 'data'),
    shared: path.join(root, a.name, 'shared'),
    dashboard: dash.url,
    driver: 'qemu',
    token: a.enroll ? dash.token : undefined,
    extra: ['--site', a.site],
  });
  await proc.ready();
  const secret = dash.enrolled.find((h) => h.name === a.name)!.dashboardSecret;
  return { proc, port: a.port, c: fakeEnrolledClient(dash, a.name, a.port), secret, url: `http://127.0.0.1:${a.port}` };
}

export const opResult = async (c: AgentClient, started: { id: string }) =>
  (await waitForOperation(c, started.id, undefined, { intervalMs: 200, timeoutMs: 300_000 })).result;

// One forward run as the worker makes it; the first run (no point yet) is full.
export async function replicateRun(
  from: { c: AgentClient; vmId: string },
  to: { c: AgentClient; replicaId: string },
  run: { jobId: string; pointId: string; keep?: number },
): Promise<SendResult> {
  const full = (await to.c.getReplica(to.replicaId)).points.length === 0;
  const session = await to.c.receive(to.replicaId, { pointId: run.pointId, full });
  try {
    const started = await from.c.sendReplication(from.vmId, {
      jobId: run.jobId,
      pointId: run.pointId,
      basePointId: session.basePointId,
      target: session.target,
      full,
    });
    const r = sendResultSchema.parse(await opResult(from.c, started));
    const { takenAt, kind, fullReason, bytesSent } = r;
    await to.c.commitReceive(to.replicaId, run.pointId, { takenAt, kind, fullReason, bytesSent, keep: run.keep ?? 8 });
    return r;
  } catch (err) {
    await to.c.abortReceive(to.replicaId, run.pointId).catch(() => {});
    throw err;
  }
}

// Every VM force-stopped, every agent ended (SIGKILL after 20 s): nothing outlives the test.
export async function stopSiteAgents(agents: (SiteAgent | undefined)[]): Promise<void> {
  for (const a of agents) {
    if (!a) continue;
    for (const vm of await a.c.listVms().catch(() => []))
      if (vm.state === 'running' || vm.state === 'paused')
        await a.c.stopVm(vm.id, { force: true, timeoutSec: 10 }).catch(() => {});
    a.proc.child.kill('SIGTERM');
    await waitFor('agent exit', () => a.proc.child.exitCode !== null || a.proc.child.signalCode !== null, 20_000).catch(
      () => a.proc.child.kill('SIGKILL'),
    );
  }
}
