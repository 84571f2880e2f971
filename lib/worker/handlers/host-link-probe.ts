import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage } from '@/lib/errors';
import type { TaskHandler } from '../context';

const MiB = 1024 * 1024;

// A real QEMU migration of random RAM from source to target (lib/agent/migration/probe.ts); the
// result is the migration estimate's basis between these hosts.
export const linkProbeHandler: TaskHandler<'host.link-probe'> = async (ctx, { sourceHostId, targetHostId }) => {
  const [source, target] = await Promise.all([
    db().host.findUniqueOrThrow({ where: { id: sourceHostId } }),
    db().host.findUniqueOrThrow({ where: { id: targetHostId } }),
  ]);
  const [from, to] = await Promise.all([agentFor(sourceHostId), agentFor(targetHostId)]);
  const inc = await to.probeIncoming();
  await ctx.step(`${target.name}: probe QEMU up in ${inc.qemuStartMs} ms, listening on ${inc.migrationUri}`);
  try {
    const sent = await from.probeSend(inc.migrationUri);
    const { arrived } = await to.probeFinish(inc.probeId);
    if (!arrived) throw new Error(`${target.name} did not receive the whole probe state`);
    const bytesPerSec = sent.transferMs > 0 ? (sent.bytes / sent.transferMs) * 1000 : sent.bytes * 1000;
    const data = {
      bytesPerSec,
      qemuStartMs: inc.qemuStartMs,
      probeMs: Math.round(sent.transferMs),
      probeBytes: BigInt(Math.round(sent.bytes)),
      measuredAt: new Date(),
    };
    await db().hostLink.upsert({
      where: { sourceHostId_targetHostId: { sourceHostId, targetHostId } },
      create: { sourceHostId, targetHostId, ...data },
      update: data,
    });
    const result = {
      from: source.name,
      to: target.name,
      MiBps: Math.round(bytesPerSec / MiB),
      qemuStartMs: inc.qemuStartMs,
      bytes: sent.bytes,
      transferMs: sent.transferMs,
    };
    await ctx.step(`${(sent.bytes / MiB).toFixed(0)} MiB of memory in ${sent.transferMs} ms: ${result.MiBps} MiB/s`);
    await recordAudit({
      actor: ctx.actor,
      action: 'host.link-probe',
      target: { type: 'host', id: targetHostId, name: target.name },
      result: 'succeeded',
      detail: { taskId: ctx.id, ...result },
    });
    return result;
  } catch (err) {
    await to.probeFinish(inc.probeId).catch(() => {}); // the target's probe QEMU goes in any case (it also times out)
    await recordAudit({
      actor: ctx.actor,
      action: 'host.link-probe',
      target: { type: 'host', id: targetHostId, name: target.name },
      result: 'failed',
      detail: { taskId: ctx.id, from: source.name, error: errorMessage(err) },
    });
    throw err;
  }
};
