import 'server-only';
import { db } from '@/lib/db/client';
import type { ImageDto } from './dto';

export async function listImages(): Promise<ImageDto[]> {
  const rows = await db().image.findMany({ include: { _count: { select: { vms: true } } }, orderBy: [{ name: 'asc' }, { version: 'desc' }] });
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
    vmCount: i._count.vms,
    createdAt: i.createdAt.toISOString(),
  }));
}
