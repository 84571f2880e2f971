// GET /v1/vms/:id/boot/:file on the source: the VM's own kernel or initrd (the paths in its
// vm.json, nothing else), streamed so the worker can relay them to the replica's host.
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { noSuchObject } from '@/lib/errors';
import { vmIdSchema } from '@/lib/agent-protocol/core';
import type { Reply } from '../http';
import { withDeadline } from '../fs-bounds';
import type { QemuContext } from '../qemu/context';

export const bootFileParamsSchema = z.object({ id: vmIdSchema, file: z.enum(['kernel', 'initrd']) });
export type BootFileName = z.infer<typeof bootFileParamsSchema>['file'];

const OPEN_MS = 5_000;

export async function bootFileReply(ctx: Pick<QemuContext, 'vms'>, vmId: string, file: BootFileName): Promise<Reply> {
  const spec = await ctx.vms.must(vmId);
  const p = file === 'kernel' ? spec.boot.kernelPath : spec.boot.initrdPath;
  if (!p) throw noSuchObject('boot file', `${file} of VM ${vmId}`);
  const handle = await withDeadline(open(p, 'r'), OPEN_MS, `opening ${p}`).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw noSuchObject('boot file', p);
    throw err;
  });
  try {
    const st = await withDeadline(handle.stat(), OPEN_MS, `reading ${p}`);
    if (!st.isFile()) throw noSuchObject('boot file', p);
    return { status: 200, file: { handle, size: st.size } };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
