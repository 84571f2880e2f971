// Group restore on one host: every listed VM goes back to its point of the group (all checked
// first). With resume, the checkpoints that were running are resumed together once every VM is
// loaded; without, they wait paused (state loaded, no `cont`) so the worker can resume the VMs of
// all hosts together (POST /v1/points/group/resume); the agent resumes them by itself after
// REVERT_HOLD_MS if that call never comes. A disk snapshot's VM boots at once either way.
import { conflict, errorMessage, invalidInput, pointUnsupported } from '@/lib/errors';
import type { Operations } from '../operations';
import type { Operation } from '@/lib/agent-protocol/core';
import type { QemuContext } from '../qemu/context';
import { pointCapabilities } from './capabilities';
import { groupFailure } from './group';
import { contVm } from './point-qmp';
import { mustFindPoint, readPoints } from './points-store';
import type { GroupResumeRequest, GroupRevertRequest } from '@/lib/agent-protocol/snapshots';
import { revertPoint } from './revert';
import type { VmService } from '../vms';

export const REVERT_HOLD_MS = 30_000;

type RevertInput = Required<GroupRevertRequest>;
type Waiting = { vmIds: Set<string>; timer: NodeJS.Timeout };

export type GroupReverts = ReturnType<typeof createGroupReverts>;

export function createGroupReverts(ctx: QemuContext, operations: Operations, vms: Pick<VmService, 'claimAll'>) {
  const waiting = new Map<string, Waiting>(); // groupId -> VMs loaded and left paused for the worker

  // `cont` of each VM still paused, all at once; the RESUME time of each.
  async function resumeAll(vmIds: string[]): Promise<{ vmId: string; resumedAt: number | null }[]> {
    return Promise.all(
      vmIds.map(async (vmId) => {
        try {
          const s = await ctx.vms.expectSession(vmId, ['running', 'paused']);
          return { vmId, resumedAt: s.status === 'paused' ? await contVm(s) : null };
        } catch (err) {
          ctx.log(`VM ${vmId}: not resumed after the group restore: ${errorMessage(err)}`);
          return { vmId, resumedAt: null };
        }
      }),
    );
  }

  function leavePaused(groupId: string, vmIds: string[]) {
    if (!vmIds.length) return;
    const timer = setTimeout(
      () => void resume({ groupId, vmIds }, `no resume within ${REVERT_HOLD_MS / 1000} s`),
      REVERT_HOLD_MS,
    );
    waiting.set(groupId, { vmIds: new Set(vmIds), timer });
  }

  async function resume(req: GroupResumeRequest, why = 'resume requested') {
    const w = waiting.get(req.groupId);
    if (!w) return [];
    const chosen = req.vmIds.filter((id) => w.vmIds.delete(id));
    if (!w.vmIds.size) {
      clearTimeout(w.timer);
      waiting.delete(req.groupId);
    }
    ctx.log(`group ${req.groupId}: resuming restored ${chosen.join(', ')} (${why})`);
    return resumeAll(chosen);
  }

  async function revert(req: RevertInput): Promise<Operation> {
    if (waiting.has(req.groupId))
      throw conflict(`Group checkpoint ${req.groupId} was just restored and waits to be resumed`, {
        groupId: req.groupId,
      });
    const ids = req.items.map((i) => i.vmId);
    if (new Set(ids).size !== ids.length) throw invalidInput({ items: ['one point per VM'] });
    for (const [i, it] of req.items.entries()) {
      const spec = await ctx.vms.must(it.vmId);
      const point = mustFindPoint(await readPoints(spec), it.pointId);
      if (point.groupId !== req.groupId)
        throw invalidInput({
          [`items.${i}.pointId`]: [`snapshot ${it.pointId} of VM ${it.vmId} is not part of group ${req.groupId}`],
        });
      const cap = (await pointCapabilities(ctx, spec)).revert;
      if (!cap.ok) throw pointUnsupported(it.vmId, 'revert', cap.reason ?? 'unsupported');
    }
    const message = `restoring group checkpoint ${req.groupId} on ${ids.length} VM(s)`;
    const claims = vms.claimAll(ids, 'points.group-revert'); // a VM paused for a group checkpoint is 409 here
    return operations.start('points.group-revert', message, async () => {
      const results = await Promise.allSettled(
        req.items.map((it) =>
          ctx
            .withLock(it.vmId, async () => revertPoint(ctx, await ctx.vms.must(it.vmId), it.pointId, { resume: false }))
            .finally(claims.get(it.vmId)!),
        ),
      );
      // Loaded and paused: checkpoints taken from a running VM (wasRunning) run again.
      const paused = req.items.flatMap((it, i) => {
        const r = results[i];
        return r.status === 'fulfilled' && r.value.resumedFromMemory && r.value.vm.state === 'paused' ? [it.vmId] : [];
      });
      const toRun = await runnable(paused);
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' ? [{ vmId: ids[i], error: r.reason as unknown }] : [],
      );
      if (failed.length || !req.resume) leavePaused(req.groupId, toRun);
      if (failed.length)
        throw groupFailure(
          req.groupId,
          failed,
          req.items.filter((_, i) => results[i].status === 'fulfilled'),
        );
      if (!req.resume) return { resumedAt: null, paused: toRun };
      const resumed = await resumeAll(toRun);
      const times = resumed.flatMap((r) => (r.resumedAt === null ? [] : [r.resumedAt]));
      return { resumedAt: times.length ? Math.max(...times) : null, paused: [] };
    });
  }

  // Of the VMs left paused, those whose point was taken running.
  async function runnable(vmIds: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const vmId of vmIds) {
      const spec = await ctx.vms.must(vmId);
      const file = await readPoints(spec);
      if (file.currentId && file.points.find((p) => p.id === file.currentId)?.wasRunning) out.push(vmId);
    }
    return out;
  }

  return { revert, resume: (req: GroupResumeRequest) => resume(req) };
}
