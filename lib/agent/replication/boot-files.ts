// PUT /v1/replicas/:id/boot/:file (target side): the VM's kernel or initrd, streamed by the
// worker from the source host, kept as <replica dir>/boot-<file> so a failover needs nothing from
// the source's site. Bounded in size and time; written to a temp name, synced and renamed; vm.json
// then names the copy.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidInput, payloadTooLarge } from '@/lib/errors';
import { withDeadline } from '../fs-bounds';
import type { QemuContext } from '../qemu/context';
import { saveSpec } from '../qemu/restore-stream';
import { BOOT_FILE_MAX_BYTES } from '@/lib/agent-protocol/replication';
import { bootCopyName, fsyncPath, inReplicaDir, mustReplica, notPromoted, STEP_MS } from './replica-store';

const UPLOAD_MS = 10 * 60_000;

export type BootFile = 'kernel' | 'initrd';

export async function putBootFile(ctx: QemuContext, id: string, file: BootFile, req: IncomingMessage): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > BOOT_FILE_MAX_BYTES) throw payloadTooLarge(BOOT_FILE_MAX_BYTES, declared);
  notPromoted(await mustReplica(ctx, id), 'take boot files');
  await ctx.withLock(id, async () => {
    const r = await mustReplica(ctx, id);
    const dest = inReplicaDir(r.spec.vmDir, bootCopyName(file));
    const tmp = `${dest}.upload`;
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > BOOT_FILE_MAX_BYTES ? payloadTooLarge(BOOT_FILE_MAX_BYTES) : null, chunk);
      },
    });
    try {
      await pipeline(req, limit, createWriteStream(tmp), { signal: AbortSignal.timeout(UPLOAD_MS) });
      if (!req.complete) throw invalidInput({ body: ['the upload ended early'] });
      if (size === 0) throw invalidInput({ body: [`an empty ${file}`] });
      await withDeadline(fsyncPath(tmp), STEP_MS, `syncing ${tmp}`);
      await withDeadline(rename(tmp, dest), STEP_MS, `renaming ${tmp}`);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const key = file === 'kernel' ? 'kernelPath' : 'initrdPath';
    const spec = (await ctx.vms.must(id))!;
    await saveSpec(ctx, { ...spec, boot: { ...spec.boot, [key]: dest } });
    ctx.log(`replica ${id}: ${file} copy stored (${size} bytes)`);
  });
}
