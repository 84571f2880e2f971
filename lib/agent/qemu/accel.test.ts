import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseAccelerator, parseCpuFlags, readAccelFacts } from './accel';

describe('chooseAccelerator', () => {
  it('picks KVM only with /dev/kvm, vmx or svm, and no kvm_pvm', () => {
    expect(chooseAccelerator({ devKvm: 'ok', cpuFlags: ['fpu', 'vmx'], kvmPvm: false })).toEqual({
      accelerator: 'kvm',
      reason: 'KVM: /dev/kvm with hardware virtualization (vmx)',
    });
    expect(chooseAccelerator({ devKvm: 'ok', cpuFlags: ['svm'], kvmPvm: false }).accelerator).toBe('kvm');
  });

  it('explains the kvm_pvm case this very machine has', () => {
    expect(chooseAccelerator({ devKvm: 'ok', cpuFlags: ['fpu', 'sse2'], kvmPvm: true })).toEqual({
      accelerator: 'tcg',
      reason: 'TCG: /dev/kvm is provided by kvm_pvm (no vmx/svm); stock guests cannot run under it',
    });
    expect(chooseAccelerator({ devKvm: 'ok', cpuFlags: ['vmx'], kvmPvm: true }).accelerator).toBe('tcg');
  });

  it('falls back to TCG with a reason for each missing fact', () => {
    expect(chooseAccelerator({ devKvm: 'absent', cpuFlags: ['vmx'], kvmPvm: false })).toMatchObject({
      accelerator: 'tcg',
      reason: expect.stringMatching(/^TCG: \/dev\/kvm does not exist/),
    });
    expect(chooseAccelerator({ devKvm: 'ok', cpuFlags: ['fpu'], kvmPvm: false })).toMatchObject({
      accelerator: 'tcg',
      reason: expect.stringContaining('no vmx/svm'),
    });
    expect(chooseAccelerator({ devKvm: 'denied', cpuFlags: ['vmx'], kvmPvm: false })).toMatchObject({
      accelerator: 'tcg',
      reason: expect.stringContaining('kvm group'),
    });
  });
});

describe('parseCpuFlags / readAccelFacts', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('reads the first flags line only', () => {
    expect(parseCpuFlags('processor\t: 0\nflags\t\t: fpu vme vmx\nprocessor\t: 1\nflags\t\t: other\n')).toEqual([
      'fpu',
      'vme',
      'vmx',
    ]);
    expect(parseCpuFlags('')).toEqual([]);
  });

  it('reads facts from a host tree (here a fake one)', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'accel-'));
    await mkdir(path.join(root, 'proc'));
    await mkdir(path.join(root, 'dev'));
    await mkdir(path.join(root, 'sys/module/kvm_pvm'), { recursive: true });
    await writeFile(path.join(root, 'proc/cpuinfo'), 'flags\t: fpu sse2\n');
    expect(await readAccelFacts(root)).toEqual({ devKvm: 'absent', cpuFlags: ['fpu', 'sse2'], kvmPvm: true });
    await writeFile(path.join(root, 'dev/kvm'), '');
    await chmod(path.join(root, 'dev/kvm'), 0o666);
    expect((await readAccelFacts(root)).devKvm).toBe('ok');
  });
});
