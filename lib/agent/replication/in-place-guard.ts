// Failback state of the protected VM V on site A (reverse.json in V's dir): the last committed
// reverse point (the base of the next push) and a pending in-place receive. While one is pending
// (a session open, or aborted: the disk is then a mix of two instants) V's start is refused; only
// an in-place commit lifts it. A VM whose disk a storage daemon holds (B's export of a stopped
// replica) does not start either.
import path from 'node:path';
import { z } from 'zod';
import { conflict, vmBadPowerState } from '@/lib/errors';
import { replicaPointIdSchema } from '@/lib/agent-protocol/replication';
import type { VmSpec } from '../driver/types';
import { withDeadline } from '../fs-bounds';
import type { QemuContext } from '../qemu/context';
import { readJson } from '../qemu/vm-files';
import { OFF, ON } from '../qemu/vm-registry';
import { daemonHolds } from './block-engine';
import { STEP_MS, writeDurable } from './replica-store';

const reverseFileSchema = z
  .object({
    format: z.literal(1),
    basePointId: replicaPointIdSchema.nullable(),
    pendingPointId: replicaPointIdSchema.nullable(),
    forwardBasePointId: replicaPointIdSchema.nullable(),
  })
  .strict();
export type ReverseFile = z.infer<typeof reverseFileSchema>;

const EMPTY: ReverseFile = { format: 1, basePointId: null, pendingPointId: null, forwardBasePointId: null };
const fileOf = (spec: VmSpec) => path.join(spec.vmDir, 'reverse.json');

export async function readReverse(spec: VmSpec): Promise<ReverseFile> {
  const raw = await withDeadline(readJson<unknown>(fileOf(spec)), STEP_MS, `reading ${fileOf(spec)}`);
  if (raw === null) return EMPTY;
  const parsed = reverseFileSchema.safeParse(raw);
  // A damaged file must not unblock a disk that may be a mix: treat it as pending.
  return parsed.success ? parsed.data : { ...EMPTY, pendingPointId: 'rpl-000000000000' };
}

export const writeReverse = (spec: VmSpec, file: ReverseFile) =>
  withDeadline(writeDurable(fileOf(spec), `${JSON.stringify(file, null, 2)}\n`), STEP_MS, `writing ${fileOf(spec)}`);

export async function refuseStartDuringFailback(ctx: Pick<QemuContext, 'log'>, spec: VmSpec): Promise<void> {
  if (await daemonHolds(ctx, spec))
    throw conflict(`the disk of VM ${spec.id} is open in a replication storage daemon (an export or a send)`, {
      vmId: spec.id,
    });
  const { pendingPointId } = await readReverse(spec);
  if (!pendingPointId) return;
  throw conflict(
    `VM ${spec.id} is receiving failback point ${pendingPointId} in place (or that receive was aborted): ` +
      'its disk is not consistent until a reverse run commits',
    { vmId: spec.id, pointId: pendingPointId },
  );
}

export async function refuseUnlessStopped(ctx: Pick<QemuContext, 'vms'>, spec: VmSpec, what: string): Promise<void> {
  const state = (await ctx.vms.runtime(spec)).state;
  if (ON.includes(state)) throw vmBadPowerState(spec.id, OFF, state);
  if (spec.replicaOf) throw conflict(`VM ${spec.id} is a replica: failback cannot ${what} it`, { vmId: spec.id });
}
