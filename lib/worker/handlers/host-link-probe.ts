import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { median } from '@/lib/domain/migrations/fixed-costs';
import { errorMessage } from '@/lib/errors';
import type { TaskHandler } from '../context';

const MiB = 1024 * 1024;
// One probe under load is far off (QEMU start 143-277 ms against ~70 ms, 125-1149 MiB/s seen on a
// busy 2-core host): the median of three, each sample bounded as one probe is.
const SAMPLES = 3;

type Sample = { bytesPerSec: number; qemuStartMs: number; bytes: number; transferMs: number };

// A real QEMU migration of random RAM from source to target (lib/agent/migration/probe.ts); the
// medians of SAMPLES are the migration estimate's basis between these hosts.
export const linkProbeHandler: TaskHandler<'host.link-probe'> = async (ctx, { sourceHostId, targetHostId }) => {
  const [source, target] = await Promise.all([
    db().host.findUniqueOrThrow({ where: { id: sourceHostId } }),
    db().host.findUniqueOrThrow({ where: { id: targetHostId } }),
  ]);
  const [from, to] = await Promise.all([agentFor(sourceHostId), agentFor(targetHostId)]);
  const once = async (n: number): Promise<Sample> => {
    const inc = await to.probeIncoming();
    await ctx.step(`#${n}: ${target.name}: probe QEMU up in ${inc.qemuStartMs} ms, listening on ${inc.migrationUri}`);
    try {
      const sent = await from.probeSend(inc.migrationUri);
      const { arrived } = await to.probeFinish(inc.probeId);
      if (!arrived) throw new Error(`${target.name} did not receive the whole probe state`);
      const bytesPerSec = sent.transferMs > 0 ? (sent.bytes / sent.transferMs) * 1000 : sent.bytes * 1000;
      await ctx.step(
        `#${n}: ${(sent.bytes / MiB).toFixed(0)} MiB of memory in ${sent.transferMs} ms: ${Math.round(bytesPerSec / MiB)} MiB/s`,
      );
      return { bytesPerSec, qemuStartMs: inc.qemuStartMs, bytes: sent.bytes, transferMs: sent.transferMs };
    } catch (err) {
      await to.probeFinish(inc.probeId).catch(() => {}); // the target's probe QEMU goes in any case (it also times out)
      throw err;
    }
  };
  try {
    const samples: Sample[] = [];
    for (let n = 1; n <= SAMPLES; n++) samples.push(await once(n));
    const bytesPerSec = median(samples.map((s) => s.bytesPerSec));
    const qemuStartMs = Math.round(median(samples.map((s) => s.qemuStartMs)));
    const mid = samples.find((s) => s.bytesPerSec === bytesPerSec) ?? samples[0];
    const data = {
      bytesPerSec,
      qemuStartMs,
      probeMs: Math.round(mid.transferMs),
      probeBytes: BigInt(Math.round(mid.bytes)),
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
      qemuStartMs,
      bytes: mid.bytes,
      transferMs: mid.transferMs,
      samples: SAMPLES,
    };
    await ctx.step(`Median of ${SAMPLES}: ${result.MiBps} MiB/s, probe QEMU start ${qemuStartMs} ms`);
    await recordAudit({
      actor: ctx.actor,
      action: 'host.link-probe',
      target: { type: 'host', id: targetHostId, name: target.name },
      result: 'succeeded',
      detail: { taskId: ctx.id, ...result },
    });
    return result;
  } catch (err) {
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
