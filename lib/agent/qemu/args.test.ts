import { describe, expect, it } from 'vitest';
import type { VmSpec } from '../driver/types';
import { buildQemuArgs, optValue } from './args';

const spec: VmSpec = {
  id: 'vm-one',
  name: 'One',
  vcpus: 2,
  memoryMiB: 256,
  pool: 'local',
  vmDir: '/pool/vms/vm-one',
  diskPath: '/pool/vms/vm-one/disk0.qcow2',
  boot: { kernelPath: '/img/vmlinux', initrdPath: '/img/initrd.gz', append: 'console=ttyS0 quiet' },
};
const paths = {
  qmpSocket: '/pool/vms/vm-one/qmp.sock',
  serialSocket: '/pool/vms/vm-one/serial.sock',
  serialLog: '/pool/vms/vm-one/serial.log',
  pidFile: '/pool/vms/vm-one/qemu.pid',
};

// Value following `flag` (first occurrence, or the nth).
const after = (args: string[], flag: string, nth = 0) => args.filter((_, i) => args[i - 1] === flag)[nth];

describe('buildQemuArgs', () => {
  const args = buildQemuArgs(spec, { accelerator: 'tcg', paths });

  it('uses the verified launch form: paused, no defaults, no display, no reboot, fixed machine', () => {
    for (const f of ['-S', '-nodefaults', '-no-reboot']) expect(args).toContain(f);
    expect(after(args, '-display')).toBe('none');
    expect(after(args, '-machine')).toBe('pc-i440fx-7.2');
    expect(after(args, '-name')).toBe('vm-one,debug-threads=on');
    expect(args).not.toContain('-daemonize');
  });

  it('sizes the VM and picks the accelerator (host CPU only with KVM)', () => {
    expect(after(args, '-accel')).toBe('tcg,tb-size=64');
    expect(after(args, '-smp')).toBe('2');
    expect(after(args, '-m')).toBe('256M');
    expect(args).not.toContain('-cpu');
    const kvm = buildQemuArgs(spec, { accelerator: 'kvm', paths });
    expect(after(kvm, '-accel')).toBe('kvm');
    expect(after(kvm, '-cpu')).toBe('host');
  });

  it('puts QMP and the serial port on unix sockets, the serial port also logging to serial.log', () => {
    expect(after(args, '-qmp')).toBe('unix:/pool/vms/vm-one/qmp.sock,server=on,wait=off');
    expect(after(args, '-chardev')).toBe(
      'socket,id=ser0,path=/pool/vms/vm-one/serial.sock,server=on,wait=off,logfile=/pool/vms/vm-one/serial.log,logappend=on',
    );
    expect(after(args, '-serial')).toBe('chardev:ser0');
    expect(after(args, '-pidfile')).toBe('/pool/vms/vm-one/qemu.pid');
  });

  it('attaches the disk as qcow2 over a file node on virtio-blk', () => {
    expect(JSON.parse(after(args, '-blockdev', 0))).toEqual({
      driver: 'file',
      filename: spec.diskPath,
      'node-name': 'disk0-file',
    });
    expect(JSON.parse(after(args, '-blockdev', 1))).toEqual({
      driver: 'qcow2',
      file: 'disk0-file',
      'node-name': 'disk0',
    });
    expect(after(args, '-device')).toBe('virtio-blk-pci,drive=disk0,id=vda');
    expect(args.filter((a) => a === '-blockdev')).toHaveLength(2);
  });

  it('puts a copy-on-read filter over the qcow2 node for instant recovery', () => {
    const cor = buildQemuArgs({ ...spec, copyOnRead: true }, { accelerator: 'tcg', paths });
    expect(JSON.parse(after(cor, '-blockdev', 2))).toEqual({
      driver: 'copy-on-read',
      file: 'disk0',
      'node-name': 'disk0-cor',
    });
    expect(after(cor, '-device')).toBe('virtio-blk-pci,drive=disk0-cor,id=vda');
  });

  it('waits for a live migration only on a migration target (-incoming defer, still paused)', () => {
    expect(args).not.toContain('-incoming');
    const target = buildQemuArgs(spec, { accelerator: 'tcg', paths, incoming: true });
    expect(after(target, '-incoming')).toBe('defer');
    expect(target).toContain('-S');
  });

  it('passes kernel, initrd and append only when given', () => {
    expect(after(args, '-kernel')).toBe('/img/vmlinux');
    expect(after(args, '-initrd')).toBe('/img/initrd.gz');
    expect(after(args, '-append')).toBe('console=ttyS0 quiet');
    const diskOnly = buildQemuArgs({ ...spec, boot: {} }, { accelerator: 'tcg', paths });
    for (const f of ['-kernel', '-initrd', '-append']) expect(diskOnly).not.toContain(f);
  });

  it('escapes commas in option values and keeps odd file names intact', () => {
    expect(optValue('a,b')).toBe('a,,b');
    const odd = { ...paths, serialLog: '/p/x,y/serial.log' };
    const a = buildQemuArgs({ ...spec, diskPath: '/p/x,y/disk "0".qcow2' }, { accelerator: 'tcg', paths: odd });
    expect(after(a, '-chardev')).toContain('logfile=/p/x,,y/serial.log,');
    expect(JSON.parse(after(a, '-blockdev')).filename).toBe('/p/x,y/disk "0".qcow2');
  });
});
