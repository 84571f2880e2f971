// Seeds the image repository with the test guest once: an import task like any other, run by
// the worker through an agent, so the first image is checked and stored the same way.
import path from 'node:path';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { enqueueImageImport } from '@/lib/domain/images/service';

const guestDir = path.resolve(process.argv[2] ?? '.cache/guest');
const existing = await db().image.findUnique({ where: { name_version: { name: 'tiny-linux', version: '1.0' } } });
if (existing) {
  console.log(JSON.stringify({ seeded: false, status: existing.status }));
} else {
  const r = await enqueueImageImport(SYSTEM_ACTOR, {
    name: 'tiny-linux',
    version: '1.0',
    description: 'Test guest: Debian kernel + busybox initramfs; answers status/burn/write/read on ttyS0',
    disk: path.join(guestDir, 'disk.qcow2'),
    kernel: path.join(guestDir, 'vmlinux'),
    initrd: path.join(guestDir, 'initrd.gz'),
    append: 'console=ttyS0 panic=-1 quiet',
    hostId: 'auto',
  });
  console.log(JSON.stringify({ seeded: true, ...r }));
}
process.exit(0);
