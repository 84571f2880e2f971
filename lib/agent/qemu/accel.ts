// Accelerator choice. /dev/kvm alone proves nothing: on hosts where it comes from kvm_pvm (no
// vmx/svm flag) `-accel kvm` initialises and then a stock kernel never boots, and
// `-accel kvm -accel tcg` does not fall back. So the agent decides itself, from facts it can show.
import { access, constants, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';

export type AccelFacts = {
  devKvm: 'absent' | 'denied' | 'ok'; // /dev/kvm missing, present but not read/writable, usable
  cpuFlags: string[]; // the `flags` line of /proc/cpuinfo
  kvmPvm: boolean; // /sys/module/kvm_pvm exists
};

export type AccelChoice = { accelerator: 'kvm' | 'tcg'; reason: string };

export function chooseAccelerator(f: AccelFacts): AccelChoice {
  const hw = f.cpuFlags.includes('vmx') ? 'vmx' : f.cpuFlags.includes('svm') ? 'svm' : null;
  if (f.devKvm === 'absent')
    return { accelerator: 'tcg', reason: 'TCG: /dev/kvm does not exist (KVM module not loaded or not available)' };
  if (f.kvmPvm) {
    return {
      accelerator: 'tcg',
      reason: hw
        ? `TCG: /dev/kvm is provided by kvm_pvm (the CPU has ${hw}, but kvm_pvm owns /dev/kvm); stock guests cannot run under it`
        : 'TCG: /dev/kvm is provided by kvm_pvm (no vmx/svm); stock guests cannot run under it',
    };
  }
  if (!hw)
    return {
      accelerator: 'tcg',
      reason: 'TCG: /dev/kvm exists but the CPU has no vmx/svm flag; stock guests cannot run under it',
    };
  if (f.devKvm === 'denied')
    return {
      accelerator: 'tcg',
      reason: 'TCG: /dev/kvm is not readable and writable by the agent user (add it to the kvm group)',
    };
  return { accelerator: 'kvm', reason: `KVM: /dev/kvm with hardware virtualization (${hw})` };
}

// Only the first `flags` line: every CPU repeats it and hosts are homogeneous.
export function parseCpuFlags(cpuinfo: string): string[] {
  const line = cpuinfo.split('\n').find((l) => /^flags\s*:/.test(l));
  return line
    ? line
        .replace(/^flags\s*:\s*/, '')
        .trim()
        .split(/\s+/)
    : [];
}

// Thin reader over the real host; root lets tests point it at a fake tree.
export async function readAccelFacts(root = '/'): Promise<AccelFacts> {
  const p = (rel: string) => `${root.replace(/\/$/, '')}/${rel}`;
  let devKvm: AccelFacts['devKvm'] = 'absent';
  if (existsSync(p('dev/kvm'))) {
    devKvm = await access(p('dev/kvm'), constants.R_OK | constants.W_OK).then(
      () => 'ok' as const,
      () => 'denied' as const,
    );
  }
  const cpuinfo = await readFile(p('proc/cpuinfo'), 'utf8').catch(() => '');
  return { devKvm, cpuFlags: parseCpuFlags(cpuinfo), kvmPvm: existsSync(p('sys/module/kvm_pvm')) };
}

export async function detectAccelerator(root = '/'): Promise<AccelChoice> {
  return chooseAccelerator(await readAccelFacts(root));
}
