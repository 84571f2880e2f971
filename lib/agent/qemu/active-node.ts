// The qcow2 node the guest's disk writes go to now. Launch names it DISK_NODE, but a live
// snapshot puts a new overlay on top (lib/agent/snapshots): block jobs, bitmaps and exports must
// ask QEMU rather than assume the name.
import { qemuError } from '@/lib/errors';
import { DISK_DEVICE_ID, DISK_NODE } from './args';
import type { VmSession } from './vm-session';

type BlockInfo = { device: string; qdev?: string; inserted?: { 'node-name': string; drv: string } };

export async function activeDiskNode(s: VmSession): Promise<string> {
  const blocks = await s.execute<BlockInfo[]>('query-block');
  const disk = blocks.find((b) => b.qdev?.includes(`/${DISK_DEVICE_ID}/`) || b.device === DISK_DEVICE_ID)?.inserted;
  if (!disk) throw qemuError('query-block', `VM ${s.id} has no disk device "${DISK_DEVICE_ID}"`);
  // Instant recovery's copy-on-read filter sits on the launch node; snapshots are refused while
  // it is there (capabilities), so below it is always DISK_NODE.
  return disk.drv === 'copy-on-read' ? DISK_NODE : disk['node-name'];
}
