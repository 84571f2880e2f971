// Multi-VM checkpoints on one host (docs/ARCHITECTURE.md, "Snapshots and checkpoints"), in two
// phases so the worker can stop the VMs of several hosts at one instant: pause stops every listed
// VM (all checked first: one that cannot take part fails the call, naming it, before anything is
// paused), capture takes each VM's point with the VM already stopped and lets each run again as
// soon as its own snapshot is in place. An optional prepare phase before pause does the checks and
// readies each VM's new layer while the VMs still run, so that no host's VMs wait stopped while
// another host prepares. Each member's VM lock is held from prepare/pause until its point is
// recorded; a group no capture follows is resumed and released by the agent after holdMs.
import { AppError, conflict, errorMessage, invalidInput, pointUnsupported, qemuError } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import type { Operations } from '../operations';
import type { Operation } from '@/lib/agent-protocol/core';
import type { QemuContext } from '../qemu/context';
import type { VmSession } from '../qemu/vm-session';
import type { VmService } from '../vms';
import { pointCapabilities } from './capabilities';
import { capturePaused, preparePoint, type PreparedPoint } from './capture';
import { holdLocks, settleAll, type Held } from './group-locks';
import { contVm, stopVm } from './point-qmp';
import type {
  GroupCaptureRequest,
  GroupCaptureResult,
  GroupPauseResult,
  GroupResumeRequest,
  groupPauseRequestSchema,
} from '@/lib/agent-protocol/snapshots';
import type { z } from 'zod';

type PauseInput = z.output<typeof groupPauseRequestSchema>;
type Member = Held & { spec: VmSpec; session: VmSession; stoppedAt: number; prepared: PreparedPoint | null };
type PausedGroup = { members: Map<string, Member>; timer: NodeJS.Timeout | null; capturing: boolean; stopped: boolean };

export type GroupCheckpoints = ReturnType<typeof createGroupCheckpoints>;

export function createGroupCheckpoints(ctx: QemuContext, operations: Operations, vms: Pick<VmService, 'claimAll'>) {
  const groups = new Map<string, PausedGroup>();
  const inGroup = (vmId: string) => [...groups].find(([, g]) => g.members.has(vmId))?.[0] ?? null;

  // Runs again (if still stopped) and unlocked; prepared layers that were never used go away.
  async function letGo(m: Member, why: string): Promise<number | null> {
    try {
      const resumedAt = m.session.isGone || m.session.status === 'running' ? null : await contVm(m.session);
      await m.prepared?.discard();
      return resumedAt;
    } catch (err) {
      ctx.log(`VM ${m.vmId}: cannot resume after ${why}: ${errorMessage(err)}`);
      return null;
    } finally {
      m.release();
    }
  }

  async function resumeGroup(groupId: string, vmIds: Set<string> | null, why: string) {
    const g = groups.get(groupId);
    if (!g || g.capturing) return [];
    const chosen = [...g.members.values()].filter((m) => !vmIds || vmIds.has(m.vmId));
    for (const m of chosen) g.members.delete(m.vmId);
    if (!g.members.size) {
      if (g.timer) clearTimeout(g.timer);
      groups.delete(groupId);
    }
    ctx.log(`group ${groupId}: resuming ${chosen.map((m) => m.vmId).join(', ')} (${why})`);
    return Promise.all(chosen.map(async (m) => ({ vmId: m.vmId, resumedAt: await letGo(m, why) })));
  }

  // Checks every VM, takes every lock and prepares every point (the VMs keep running): whatever
  // fails, nothing stays locked or prepared. The group releases itself after holdMs.
  async function enter(req: PauseInput): Promise<PausedGroup> {
    const vmIds = [...new Set(req.vmIds)];
    const kind = req.prepare?.kind ?? 'disk';
    const pointIds = new Map((req.prepare?.items ?? []).map((i) => [i.vmId, i.pointId]));
    if (req.prepare && (pointIds.size !== vmIds.length || vmIds.some((id) => !pointIds.has(id)))) {
      throw invalidInput({ 'prepare.items': ['must name one point for each VM of vmIds'] });
    }
    for (const id of vmIds) {
      const other = inGroup(id);
      if (other) throw conflict(`VM ${id} is paused for group checkpoint ${other}`, { vmId: id, groupId: other });
      await ctx.vms.expectSession(id, ['running']);
    }
    // Claimed like any long VM call (a stop or another snapshot meanwhile is 409), then locked.
    const claims = vms.claimAll(vmIds, 'points.group');
    const held = await holdLocks(ctx, vmIds).then(
      (locks) => locks.map((h) => ({ vmId: h.vmId, release: () => (h.release(), claims.get(h.vmId)!()) })),
      (err: unknown) => {
        for (const release of claims.values()) release();
        throw err;
      },
    );
    const members: Member[] = [];
    try {
      // Under the locks: the state each VM is really in now, and what it can take.
      for (const h of held) {
        const spec = await ctx.vms.must(h.vmId);
        const session = await ctx.vms.expectSession(h.vmId, ['running']);
        const cap = (await pointCapabilities(ctx, spec, { locked: true }))[kind];
        if (!cap.ok)
          throw pointUnsupported(
            h.vmId,
            kind === 'memory' ? 'take a checkpoint with memory' : 'take a snapshot',
            cap.reason ?? 'unsupported',
          );
        members.push({ ...h, spec, session, stoppedAt: 0, prepared: null });
      }
      if (req.prepare) {
        await settleAll(
          members.map(
            async (m) => (m.prepared = await preparePoint(ctx, m.spec, m.session, pointIds.get(m.vmId)!, kind)),
          ),
        );
      }
    } catch (err) {
      await Promise.all(members.map((m) => letGo(m, 'a failed group pause')));
      for (const h of held) if (!members.some((m) => m.vmId === h.vmId)) h.release();
      throw err;
    }
    const g: PausedGroup = {
      members: new Map(members.map((m) => [m.vmId, m])),
      timer: null,
      capturing: false,
      stopped: false,
    };
    groups.set(req.groupId, g);
    holdFor(req.groupId, g, req.holdMs);
    return g;
  }

  function holdFor(groupId: string, g: PausedGroup, holdMs: number) {
    if (g.timer) clearTimeout(g.timer);
    g.timer = setTimeout(() => void resumeGroup(groupId, null, `no capture within ${holdMs} ms`), holdMs);
  }

  // Phase 0 (optional, so that no host stops its VMs while another is still preparing): checks,
  // locks and prepared points; the VMs keep running until pause.
  async function prepare(req: PauseInput): Promise<{ prepared: string[] }> {
    if (groups.has(req.groupId))
      throw conflict(`Group checkpoint ${req.groupId} is already prepared or paused on this host`, {
        groupId: req.groupId,
      });
    return { prepared: [...(await enter(req)).members.keys()] };
  }

  async function pause(req: PauseInput): Promise<GroupPauseResult> {
    let g = groups.get(req.groupId);
    if (g && (g.stopped || g.capturing))
      throw conflict(`Group checkpoint ${req.groupId} is already paused on this host`, { groupId: req.groupId });
    if (g && (g.members.size !== new Set(req.vmIds).size || req.vmIds.some((id) => !g!.members.has(id)))) {
      throw invalidInput({
        vmIds: [`must be the VMs prepared for group ${req.groupId}: ${[...g.members.keys()].join(', ')}`],
      });
    }
    g ??= await enter(req);
    const members = [...g.members.values()];
    g.stopped = true;
    try {
      await settleAll(members.map(async (m) => (m.stoppedAt = await stopVm(m.session))));
    } catch (err) {
      await resumeGroup(req.groupId, null, 'a failed group pause');
      throw err;
    }
    holdFor(req.groupId, g, req.holdMs);
    return { paused: members.map((m) => ({ vmId: m.vmId, stoppedAt: m.stoppedAt })) };
  }

  function capture(req: GroupCaptureRequest): Operation {
    const g = groups.get(req.groupId);
    if (!g || g.capturing || !g.stopped)
      throw conflict(
        `Group checkpoint ${req.groupId} is not paused on this host (never paused, resumed, or already captured)`,
        { groupId: req.groupId },
      );
    const items = new Map(req.items.map((i) => [i.vmId, i.pointId]));
    if (
      items.size !== req.items.length ||
      items.size !== g.members.size ||
      [...g.members.keys()].some((id) => !items.has(id))
    ) {
      throw invalidInput({
        items: [`must name one point for each VM paused in group ${req.groupId}: ${[...g.members.keys()].join(', ')}`],
      });
    }
    g.capturing = true;
    if (g.timer) clearTimeout(g.timer);
    return operations.start(
      'points.group-capture',
      `group checkpoint ${req.groupId}: ${req.kind} points of ${items.size} VM(s)`,
      async (): Promise<GroupCaptureResult> => {
        try {
          const results = await Promise.allSettled(
            [...g.members.values()].map((m) => captureMember(req, m, items.get(m.vmId)!)),
          );
          const points = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
          const failed = results.flatMap((r, i) =>
            r.status === 'rejected' ? [{ vmId: [...g.members.keys()][i], error: r.reason as unknown }] : [],
          );
          if (failed.length)
            throw groupFailure(
              req.groupId,
              failed,
              points.map((p) => ({ vmId: p.vmId, pointId: p.point.id })),
            );
          return { points };
        } finally {
          groups.delete(req.groupId);
        }
      },
    );
  }

  async function captureMember(
    req: GroupCaptureRequest,
    m: Member,
    pointId: string,
  ): Promise<GroupCaptureResult['points'][number]> {
    try {
      let prepared = m.prepared;
      m.prepared = null;
      if (prepared && (prepared.id !== pointId || prepared.kind !== req.kind)) {
        await prepared.discard();
        prepared = null;
      }
      const started = Date.now();
      const c = await capturePaused(ctx, m.spec, m.session, {
        id: pointId,
        kind: req.kind,
        groupId: req.groupId,
        resume: true,
        wasRunning: true,
        stoppedAt: m.stoppedAt,
        prepared: prepared ?? undefined,
      });
      const resumedAt = c.resumedAt ?? Date.now();
      // Where the pause went: waiting for the capture call (other hosts, the worker), or capturing.
      ctx.log(
        `VM ${m.vmId}: group ${req.groupId} paused ${Math.round(resumedAt - m.stoppedAt)} ms (${Math.round(started - m.stoppedAt)} ms until the capture call, ${Math.round(resumedAt - started)} ms capturing)`,
      );
      return { vmId: m.vmId, point: await c.done, resumedAt };
    } finally {
      m.release();
    }
  }

  return {
    prepare,
    pause,
    capture,
    // The worker's abort (or a host's part failed): the paused VMs of that group run again.
    async resume(req: GroupResumeRequest) {
      return { resumed: await resumeGroup(req.groupId, new Set(req.vmIds), 'resume requested') };
    },
  };
}

// One error for the whole call, with what each VM did: the points recorded are complete (the
// worker decides whether to delete them); the first failure's code is kept.
export function groupFailure(
  groupId: string,
  failed: { vmId: string; error: unknown }[],
  recorded: { vmId: string; pointId: string }[],
): AppError {
  const first = failed[0].error;
  const words = failed.map((f) => `${f.vmId}: ${errorMessage(f.error)}`).join('; ');
  const data = { groupId, failed: failed.map((f) => ({ vmId: f.vmId, error: errorMessage(f.error) })), recorded };
  const message = `Group checkpoint ${groupId}: ${failed.length} VM(s) failed (${words})`;
  const base = first instanceof AppError ? first : qemuError(`group checkpoint ${groupId}`, errorMessage(first));
  return new AppError(base.code, message, base.status, { ...base.data, ...data });
}
