// Pure builder of the qemu-system-x86_64 argv (the launch form verified in qemu-recipes.md).
// No -daemonize: the agent spawns QEMU in its own session instead (process.ts), which keeps the
// real pid in hand and QEMU's stderr in qemu.log.
import type { VmSpec } from '../driver/types';
import type { VmPaths } from './vm-files';

export type QemuArgsOptions = {
  accelerator: 'kvm' | 'tcg';
  paths: Pick<VmPaths, 'qmpSocket' | 'serialSocket' | 'serialLog' | 'pidFile'>;
  incoming?: boolean; // live migration target: wait for QMP migrate-incoming
};

// Node names and the device id the driver refers to in QMP (query-blockstats, later jobs).
export const DISK_FILE_NODE = 'disk0-file';
export const DISK_NODE = 'disk0';
export const DISK_DEVICE_ID = 'vda';
export const DISK_COR_NODE = 'disk0-cor'; // copy-on-read filter above DISK_NODE (instant recovery)
export const MACHINE = 'pc-i440fx-7.2';

// QemuOpts values: a comma is written as two commas.
export const optValue = (s: string) => s.replace(/,/g, ',,');

export function buildQemuArgs(spec: VmSpec, opts: QemuArgsOptions): string[] {
  const { paths } = opts;
  const args: string[] = [
    // The VM id in the command line is also how a pid is recognised as ours (pid reuse check).
    '-name',
    `${optValue(spec.id)},debug-threads=on`,
    // Start paused: the agent connects QMP and the serial socket first, then `cont`, so no early
    // console output is lost and a start failure is seen before the guest runs.
    '-S',
    '-nodefaults',
    '-display',
    'none',
    // A guest reboot/panic (panic=-1) ends the process; the agent reports it instead of looping.
    '-no-reboot',
    '-machine',
    MACHINE,
    // TCG's translation cache defaults to 1 GiB and can dwarf a small guest's RSS; 64 MiB is
    // plenty for one vCPU's working set and keeps placement honest.
    '-accel',
    opts.accelerator === 'tcg' ? 'tcg,tb-size=64' : 'kvm',
  ];
  if (opts.accelerator === 'kvm') args.push('-cpu', 'host');
  args.push(
    '-smp',
    String(spec.vcpus),
    '-m',
    `${spec.memoryMiB}M`,
    '-qmp',
    `unix:${optValue(paths.qmpSocket)},server=on,wait=off`,
    '-chardev',
    `socket,id=ser0,path=${optValue(paths.serialSocket)},server=on,wait=off,logfile=${optValue(paths.serialLog)},logappend=on`,
    '-serial',
    'chardev:ser0',
    // JSON -blockdev: file names need no escaping at all.
    '-blockdev',
    JSON.stringify({ driver: 'file', filename: spec.diskPath, 'node-name': DISK_FILE_NODE }),
    '-blockdev',
    JSON.stringify({ driver: 'qcow2', file: DISK_FILE_NODE, 'node-name': DISK_NODE }),
  );
  // Block jobs (block-stream, backups) still target DISK_NODE, the format node under the filter.
  if (spec.copyOnRead)
    args.push('-blockdev', JSON.stringify({ driver: 'copy-on-read', file: DISK_NODE, 'node-name': DISK_COR_NODE }));
  args.push(
    '-device',
    `virtio-blk-pci,drive=${spec.copyOnRead ? DISK_COR_NODE : DISK_NODE},id=${DISK_DEVICE_ID}`,
    // Guest memory statistics (qom-get guest-stats) when the guest loads virtio_balloon.
    '-device',
    'virtio-balloon-pci,id=balloon0',
  );
  if (spec.boot.kernelPath) args.push('-kernel', spec.boot.kernelPath);
  if (spec.boot.initrdPath) args.push('-initrd', spec.boot.initrdPath);
  if (spec.boot.append !== undefined && spec.boot.kernelPath) args.push('-append', spec.boot.append);
  args.push('-pidfile', paths.pidFile);
  if (opts.incoming) args.push('-incoming', 'defer');
  return args;
}
