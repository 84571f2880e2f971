import 'server-only';
import type { z } from 'zod';
import { db } from '@/lib/db/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { agentFor } from '@/lib/domain/hosts/agents';
import { listHosts } from '@/lib/domain/hosts/queries';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { alreadyExists, AppError, conflict, hostOffline, noHostAvailable, noSuchObject } from '@/lib/errors';
import { DEFAULT_SITE } from '@/lib/domain/vms/placement';
import type { ImportImageRequest } from '@/lib/agent-protocol/core';
import type { importImageSchema } from './schemas';

const toSource = (s: string) => (s.startsWith('/') ? { path: s } : { url: s });

// The image row exists from the start in state 'importing' so a second import of the same
// name+version is refused at once; the task removes it again if the import fails.
export async function importImage(
  user: SessionUser,
  input: z.output<typeof importImageSchema>,
): Promise<{ taskId: string; imageId: string }> {
  await authorize(user, 'image.import', { type: 'image', id: null, name: `${input.name} ${input.version}` });
  return enqueueImageImport(actorOf(user), input);
}

// Also used by first-run setup (system actor) to seed the repository with the test guest.
export async function enqueueImageImport(
  actor: Actor,
  input: z.output<typeof importImageSchema>,
): Promise<{ taskId: string; imageId: string }> {
  const label = `${input.name} ${input.version}`;
  if (await db().image.findUnique({ where: { name_version: { name: input.name, version: input.version } } }))
    throw alreadyExists('image', label);
  const hosts = await listHosts();
  const named = input.hostId === 'auto' ? null : hosts.find((h) => h.id === input.hostId);
  if (named === undefined) throw noSuchObject('host', input.hostId);
  const site = input.site ?? named?.site ?? DEFAULT_SITE;
  const host = named ?? hosts.find((h) => h.site === site && h.status === 'online');
  if (!host) throw noHostAvailable(0, `no host of site ${site} is online to fetch the image`);
  if (host.site !== site)
    throw conflict(`Host ${host.name} is in site ${host.site}, not ${site}: it writes its own site's repository`, {
      hostId: host.id,
      site: host.site,
    });
  if (host.status === 'offline') throw hostOffline(host.name, host.lastHeartbeat ?? undefined);
  const request: ImportImageRequest = {
    name: input.name,
    version: input.version,
    description: input.description || undefined,
    disk: toSource(input.disk),
    kernel: input.kernel ? toSource(input.kernel) : undefined,
    initrd: input.initrd ? toSource(input.initrd) : undefined,
    append: input.append,
    sha256: input.sha256,
    minMemoryMiB: input.minMemoryMiB,
  };
  // The agent checks the sources against its import locations now, so a refused (or, inside an
  // allowed directory, missing) source is answered on the form's field instead of as a failed task;
  // the import itself checks again. A refusal is audited: it may be someone probing the host.
  try {
    await (
      await agentFor(host.id)
    ).checkImageSources({ disk: request.disk, kernel: request.kernel, initrd: request.initrd });
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      await recordAudit({
        actor,
        action: 'image.import',
        target: { type: 'image', id: null, name: label },
        result: 'failed',
        detail: { host: host.name, code: err.code, disk: input.disk },
      });
    }
    throw err;
  }
  const { taskId, imageId } = await db().$transaction(async (tx) => {
    const image = await tx.image.create({
      data: {
        name: input.name,
        version: input.version,
        description: input.description,
        minMemoryMiB: input.minMemoryMiB,
        site,
        status: 'importing',
      },
    });
    const taskId = await enqueueTask(
      {
        kind: 'image.import',
        title: `Import image ${label} via ${host.name}`,
        target: { type: 'image', id: image.id },
        payload: { imageId: image.id, hostId: host.id, request },
        actor,
      },
      tx,
    );
    return { taskId, imageId: image.id };
  });
  await recordAudit({
    actor,
    action: 'image.import',
    target: { type: 'image', id: imageId, name: label },
    result: 'accepted',
    detail: { taskId, host: host.name, site, disk: input.disk },
  });
  return { taskId, imageId };
}
