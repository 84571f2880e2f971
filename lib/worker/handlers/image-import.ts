import 'server-only';
import { imageManifestSchema } from '@/lib/agent-protocol/core';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage } from '@/lib/errors';
import type { TaskHandler } from '../context';

// The agent downloads/copies into the shared repository, checks the SHA-256, converts to a
// read-only qcow2 and answers the manifest. A failed import leaves nothing in the repository
// (the agent works in a temp dir) and the 'importing' row is removed here.
export const importImageHandler: TaskHandler<'image.import'> = async (ctx, { imageId, hostId, request }) => {
  const label = `${request.name} ${request.version}`;
  try {
    if (ctx.recovered) throw new Error('The worker running this import stopped before it finished');
    const agent = await agentFor(hostId);
    await ctx.step(
      `Fetching ${'url' in request.disk ? request.disk.url : request.disk.path} into the image repository`,
    );
    const op = await agent.importImage(request);
    let lastMessage = '';
    const report = async (o: { progress: number; message: string }) => {
      await ctx.progress(o.progress * 0.95);
      if (o.message && o.message !== lastMessage) await ctx.step((lastMessage = o.message));
    };
    const done = await waitForOperation(agent, op.id, (o) => void report(o).catch(() => {}));
    const m = imageManifestSchema.parse(done.result);
    await db().image.update({
      where: { id: imageId },
      data: {
        status: 'ready',
        sizeBytes: BigInt(m.sizeBytes),
        virtualSizeBytes: BigInt(m.virtualSizeBytes),
        sha256: m.sha256,
        diskPath: m.diskPath,
        kernelPath: m.kernelPath ?? null,
        initrdPath: m.initrdPath ?? null,
        append: m.append ?? null,
        minMemoryMiB: m.minMemoryMiB ?? null,
      },
    });
    await ctx.step(`Stored ${label}: sha256 ${m.sha256.slice(0, 16)}…`);
    await recordAudit({
      actor: ctx.actor,
      action: 'image.import',
      target: { type: 'image', id: imageId, name: label },
      result: 'succeeded',
      detail: { taskId: ctx.id, sha256: m.sha256 },
    });
    return m;
  } catch (err) {
    await db().image.deleteMany({ where: { id: imageId, status: 'importing' } });
    await recordAudit({
      actor: ctx.actor,
      action: 'image.import',
      target: { type: 'image', id: imageId, name: label },
      result: 'failed',
      detail: { taskId: ctx.id, error: errorMessage(err) },
    });
    throw err;
  }
};
