// Seeds the image repository with the test guest once: an import task like any other, run by
// the worker through an agent, so the first image is checked and stored the same way.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { listHosts } from '@/lib/domain/hosts/queries';
import { enqueueImageImport } from '@/lib/domain/images/service';
import { TEST_GUEST_MIN_MEMORY_MIB } from '@/lib/domain/images/test-guest';

const guestDir = path.resolve(process.argv[2] ?? '.cache/guest');
const manifest = JSON.parse(readFileSync(path.join(guestDir, 'manifest.json'), 'utf8')) as {
  name: string;
  version: string;
  description?: string;
  append?: string;
  kernel?: string;
  initrd?: string;
  disk: string;
  kernelVersion?: string;
};
const existing = await db().image.findUnique({
  where: { name_version: { name: manifest.name, version: manifest.version } },
});
if (existing) {
  console.log(JSON.stringify({ seeded: false, status: existing.status }));
} else {
  const r = await enqueueImageImport(SYSTEM_ACTOR, {
    name: manifest.name,
    version: manifest.version,
    description:
      manifest.description ??
      `Test guest: Debian kernel ${manifest.kernelVersion} + busybox; answers status, burn, write, read on its serial console`,
    disk: path.join(guestDir, manifest.disk),
    kernel: manifest.kernel && path.join(guestDir, manifest.kernel),
    initrd: manifest.initrd && path.join(guestDir, manifest.initrd),
    append: manifest.append,
    minMemoryMiB: TEST_GUEST_MIN_MEMORY_MIB,
    // Into site main's repository: an agent of another site (--agents name:port@site) has its own.
    hostId: (await listHosts()).find((h) => h.status === 'online' && h.site === 'main')?.id ?? 'auto',
  });
  console.log(JSON.stringify({ seeded: true, ...r }));
}
process.exit(0);
