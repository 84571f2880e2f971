import 'server-only';
import { db } from '@/lib/db/client';
import { agentFor } from '@/lib/domain/hosts/agents';
import { listHosts } from '@/lib/domain/hosts/queries';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { authorize } from '@/lib/domain/shared/authorize';
import { errorMessage } from '@/lib/errors';
import type { HostImportLocationsDto, ImageDto } from './dto';

// Asks every online host's agent (in parallel, each bounded by the agent client's timeout) so the
// import dialog can say what will work before anyone submits. Host paths are shown only to roles
// that may import.
export async function listImportLocations(user: SessionUser): Promise<HostImportLocationsDto[]> {
  await authorize(user, 'image.import', undefined, 'image.import-locations');
  const hosts = (await listHosts()).filter((h) => h.status === 'online');
  return Promise.all(
    hosts.map(async (h) => {
      try {
        const loc = await (await agentFor(h.id)).importLocations();
        return { hostId: h.id, hostName: h.name, dirs: loc.dirs, urlPrefixes: loc.urlPrefixes, error: null };
      } catch (err) {
        return { hostId: h.id, hostName: h.name, dirs: [], urlPrefixes: [], error: errorMessage(err) };
      }
    }),
  );
}

export async function listImages(): Promise<ImageDto[]> {
  const rows = await db().image.findMany({
    include: { _count: { select: { vms: true } } },
    orderBy: [{ name: 'asc' }, { version: 'desc' }],
  });
  return rows.map((i) => ({
    id: i.id,
    name: i.name,
    version: i.version,
    description: i.description,
    status: i.status as ImageDto['status'],
    format: i.format,
    sizeBytes: Number(i.sizeBytes),
    virtualSizeBytes: Number(i.virtualSizeBytes),
    sha256: i.sha256,
    bootsKernel: !!i.kernelPath,
    minMemoryMiB: i.minMemoryMiB,
    site: i.site,
    vmCount: i._count.vms,
    createdAt: i.createdAt.toISOString(),
  }));
}
