import 'server-only';
import { db } from '@/lib/db/client';
import type { HaEvent, HaHostState as HaHostStateRow, HaRestart } from '@/lib/generated/prisma/client';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { placementHosts } from '@/lib/domain/migrations/target';
import { VM_STATE, type VmState } from '@/lib/domain/vms/dto';
import { freeMemoryMiB } from '@/lib/domain/vms/placement';
import { protection, type AdmissionHost } from './admission';
import type {
  HaEventDto,
  HaEventKind,
  HaHostDto,
  HaHostState,
  HaOverviewDto,
  HaPriority,
  HaRestartDto,
  HaRestartState,
} from './dto';
import { haPolicyRow, toHaPolicyDto } from './policy';

const MiB = 1024 * 1024;
// VMs that should be running: what a host failure takes down and HA brings back.
export const MEANT_TO_RUN: VmState[] = [
  VM_STATE.running,
  VM_STATE.paused,
  VM_STATE.starting,
  VM_STATE.provisioning,
  VM_STATE.migrating,
  VM_STATE.crashed,
];
// Hosts whose VMs are down (or being restarted elsewhere): they offer no spare memory.
const DOWN_STATES: HaHostState[] = ['failed', 'fenced'];
export const ACTIVE_RESTART_STATES: HaRestartState[] = ['pending', 'restarting'];
const RECENT_RESTARTS = 50;
const RECENT_EVENTS = 200;

export async function haHostStates(): Promise<Map<string, HaHostStateRow>> {
  return new Map((await db().haHostState.findMany()).map((s) => [s.hostId, s]));
}

// Per host that can take restarts now (up, out of maintenance, not failed or fenced): the memory
// of its HA VMs and what placement could still give (reserved failover hosts included).
export async function admissionHosts(): Promise<AdmissionHost[]> {
  const [hosts, states, vms] = await Promise.all([
    placementHosts(false),
    haHostStates(),
    db().vm.findMany({
      where: { haEnabled: true, state: { in: MEANT_TO_RUN } },
      select: { hostId: true, memoryMiB: true },
    }),
  ]);
  return hosts
    .filter(
      (h) => h.online && !h.maintenance && !DOWN_STATES.includes((states.get(h.id)?.state ?? 'online') as HaHostState),
    )
    .map((h) => ({
      id: h.id,
      site: h.site,
      haMiB: vms.filter((v) => v.hostId === h.id).reduce((a, v) => a + v.memoryMiB, 0),
      spareMiB: freeMemoryMiB(h),
    }));
}

export function toRestartDto(
  r: HaRestart,
  names: { vm?: string; host: (id: string | null) => string | null },
): HaRestartDto {
  return {
    id: r.id,
    vmId: r.vmId,
    vmName: names.vm ?? r.vmName,
    fromHostId: r.fromHostId,
    fromHostName: names.host(r.fromHostId) ?? r.fromHostId,
    targetHostId: r.targetHostId,
    targetHostName: names.host(r.targetHostId),
    state: r.state as HaRestartState,
    reason: r.reason,
    manual: r.manual,
    requestedBy: r.requestedBy,
    priority: r.priority as HaPriority,
    taskId: r.taskId,
    attempts: r.attempts,
    failedAt: r.failedAt?.toISOString() ?? null,
    detectedAt: r.detectedAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
    qemuUpAt: r.qemuUpAt?.toISOString() ?? null,
    guestReadyAt: r.guestReadyAt?.toISOString() ?? null,
  };
}

function toEventDto(
  e: HaEvent,
  hostName: (id: string | null) => string | null,
  vmName: (id: string | null) => string | null,
): HaEventDto {
  return {
    id: e.id,
    at: e.at.toISOString(),
    kind: e.kind as HaEventKind,
    hostId: e.hostId,
    hostName: hostName(e.hostId),
    vmId: e.vmId,
    vmName: vmName(e.vmId),
    message: e.message,
  };
}

function protectionReason(
  policy: ReturnType<typeof toHaPolicyDto>,
  p: ReturnType<typeof protection>,
  protectedVms: number,
): string {
  if (!policy.enabled) return 'HA is disabled: failed hosts are reported, nothing is restarted';
  if (!protectedVms) return 'No VM has HA on';
  const numbers = `restarting the HA VMs of ${p.tolerate} failed host(s) needs ${p.requiredMiB} MiB; ${p.spareMiB} MiB are spare`;
  const tooFew = p.tolerate >= p.hostsCounted;
  const hosts = `${p.hostsCounted} healthy host(s) outside maintenance`;
  const verdict = p.ok
    ? `enough room: ${numbers}`
    : tooFew
      ? `too few hosts: ${hosts} cannot survive ${p.tolerate} failure(s)`
      : `not enough room: ${numbers}`;
  if (policy.admission === 'off') return `Admission control is off (nothing is refused); ${verdict}`;
  if (policy.admission === 'failover-hosts')
    return `${policy.failoverHostIds.length} failover host(s) kept empty; ${verdict}`;
  return `Tolerates ${policy.hostFailuresToTolerate} host failure(s) by admission control; ${verdict}`;
}

// GET /api/ha: everything the HA page shows, in one read.
export async function getHaOverview(): Promise<HaOverviewDto> {
  const [policyRow, hosts, states, vms, restarts, events, admission] = await Promise.all([
    haPolicyRow(),
    db().host.findMany({ orderBy: { name: 'asc' } }),
    haHostStates(),
    db().vm.findMany({ select: { id: true, name: true, hostId: true, state: true, memoryMiB: true, haEnabled: true } }),
    db().haRestart.findMany({ orderBy: { detectedAt: 'desc' }, take: 500 }),
    db().haEvent.findMany({ orderBy: { at: 'desc' }, take: RECENT_EVENTS }),
    admissionHosts(),
  ]);
  const policy = toHaPolicyDto(policyRow);
  const hostNames = new Map(hosts.map((h) => [h.id, h.name]));
  const vmNames = new Map(vms.map((v) => [v.id, v.name]));
  const hostName = (id: string | null) => (id ? (hostNames.get(id) ?? null) : null);
  const vmName = (id: string | null) => (id ? (vmNames.get(id) ?? null) : null);
  const running = vms.filter((v) => MEANT_TO_RUN.includes(v.state as VmState));
  const protectedVms = running.filter((v) => v.haEnabled);
  const p = protection(admission, policy);
  const now = Date.now();
  const hostDtos: HaHostDto[] = hosts.map((h) => {
    const s = states.get(h.id);
    const here = running.filter((v) => v.hostId === h.id);
    const offline = effectiveStatus(h, now) === HOST_STATUS.offline;
    return {
      hostId: h.id,
      hostName: h.name,
      site: h.site,
      state: (s?.state ?? (offline ? 'suspect' : 'online')) as HaHostState,
      reason:
        s?.reason ??
        (offline ? 'No heartbeat; the HA monitor has not looked at it yet' : 'The HA monitor has not looked at it yet'),
      since: (s?.since ?? h.enrolledAt).toISOString(),
      leaseAgeMs: s?.leaseAgeMs ?? null,
      leaseGeneration: s?.leaseGeneration ?? null,
      observedBy: s?.observedBy ?? null,
      correctedErrors: s?.correctedErrors ?? null,
      failoverHost: policy.admission === 'failover-hosts' && policy.failoverHostIds.includes(h.id),
      protectedVmCount: here.filter((v) => v.haEnabled).length,
      memoryTotalMiB: Math.floor(Number(h.memoryTotalBytes) / MiB),
      memoryUsedMiB: here.reduce((a, v) => a + v.memoryMiB, 0),
    };
  });
  const active = restarts.filter((r) => ACTIVE_RESTART_STATES.includes(r.state as HaRestartState));
  const recent = restarts
    .filter((r) => !ACTIVE_RESTART_STATES.includes(r.state as HaRestartState))
    .slice(0, RECENT_RESTARTS);
  const failedHosts = new Set(hostDtos.filter((h) => DOWN_STATES.includes(h.state)).map((h) => h.hostId));
  return {
    policy,
    protection: {
      protectedVms: protectedVms.length,
      runningProtected: protectedVms.filter((v) => v.state === VM_STATE.running && !failedHosts.has(v.hostId)).length,
      spareMemoryMiB: p.spareMiB,
      requiredMemoryMiB: p.requiredMiB,
      failuresTolerated: p.failuresTolerated,
      ok: !policy.enabled ? false : p.ok,
      reason: protectionReason(policy, p, protectedVms.length),
    },
    hosts: hostDtos,
    restarts: [...active, ...recent].map((r) => toRestartDto(r, { vm: vmNames.get(r.vmId), host: hostName })),
    events: events.map((e) => toEventDto(e, hostName, vmName)),
  };
}
