import 'server-only';
import { can } from '@/lib/auth/permissions';
import type { ConsoleMode } from '@/lib/agent-protocol/console';
import { db } from '@/lib/db/client';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { recordAudit } from '@/lib/domain/audit/service';
import { dashboardSecretFor } from '@/lib/domain/hosts/credentials';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { actorOf } from '@/lib/domain/shared/authorize';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { hostOffline, noSuchObject, vmBadPowerState } from '@/lib/errors';
import { rateLimit } from '@/lib/http/rate-limit';

// States in which QEMU may run (the agent has the last word).
const LIVE_STATES: string[] = [
  VM_STATE.running,
  VM_STATE.paused,
  VM_STATE.starting,
  VM_STATE.stopping,
  VM_STATE.migrating,
];

export type ConsoleTarget = {
  vm: { id: string; name: string };
  hostName: string;
  agentWsUrl: string;
  secret: string;
  mode: ConsoleMode;
};

// Every signed-in role may watch; typing needs 'vm.console' (operator). Read-only is not a refusal,
// so it is not audited as denied: the open event records the mode.
export function consoleMode(user: SessionUser): ConsoleMode {
  return can(user.role, 'vm.console') ? 'interactive' : 'read-only';
}

// Where the gateway connects for this user and VM: the agent's WebSocket and the dashboard's
// secret for it. Opening a console costs a token of the user's 'console' bucket.
export async function openConsole(user: SessionUser, vmId: string): Promise<ConsoleTarget> {
  rateLimit(user, 'console');
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { host: true } });
  if (!vm) throw noSuchObject('VM', vmId);
  if (!LIVE_STATES.includes(vm.state)) throw vmBadPowerState(vm.name, [VM_STATE.running], vm.state);
  if (effectiveStatus(vm.host) === HOST_STATUS.offline)
    throw hostOffline(vm.host.name, vm.host.lastHeartbeat?.toISOString());
  const url = new URL(`/v1/vms/${encodeURIComponent(vm.id)}/serial/ws`, vm.host.agentUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const secret = await dashboardSecretFor(vm.host);
  return {
    vm: { id: vm.id, name: vm.name },
    hostName: vm.host.name,
    agentWsUrl: url.toString(),
    secret,
    mode: consoleMode(user),
  };
}

export type ConsoleSessionEnd = {
  mode: ConsoleMode;
  durationMs: number;
  bytesTyped: number;
  bytesIgnored: number;
  closeCode: number;
  reason: string;
};

const auditConsole = (user: SessionUser, target: ConsoleTarget, action: string, detail: Record<string, unknown>) =>
  recordAudit({
    actor: actorOf(user),
    action,
    target: { type: 'vm', ...target.vm },
    result: 'succeeded',
    detail: { ...detail, host: target.hostName },
  });

export const auditConsoleOpen = (user: SessionUser, target: ConsoleTarget) =>
  auditConsole(user, target, 'vm.console.open', { mode: target.mode });

export const auditConsoleClose = (user: SessionUser, target: ConsoleTarget, end: ConsoleSessionEnd) =>
  auditConsole(user, target, 'vm.console.close', end);
