// QEMU processes as /proc shows them, for the HA tests: the VM each one names (`-name <id>,...`),
// the mount namespace each process lives in (every HA test agent has its own, so a namespace is
// "that host"), and a poller that counts the instants where two live QEMUs name one VM.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export type QemuProcess = { pid: number; vmId: string; mntNs: string | null };

const pids = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);

// null once the process is gone (or a zombie: its cmdline is empty).
function argv(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.split('\0').filter(Boolean) : null;
  } catch {
    return null;
  }
}

export function mountNamespaceOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

// Every live QEMU system emulator and the VM id it was started for.
export function qemuProcesses(): QemuProcess[] {
  const out: QemuProcess[] = [];
  for (const pid of pids()) {
    const a = argv(pid);
    if (!a || !/qemu-system-/.test(a[0])) continue;
    const i = a.indexOf('-name');
    if (i > 0 && a[i + 1]) out.push({ pid, vmId: a[i + 1].split(',')[0], mntNs: mountNamespaceOf(pid) });
  }
  return out;
}

// The live processes of one mount namespace (an agent, its fence watchdog, its QEMUs).
export const processesIn = (mntNs: string): number[] => pids().filter((p) => argv(p) && mountNamespaceOf(p) === mntNs);

export type SplitBrainPoller = {
  samples: number; // polls taken
  instants: number; // polls that saw two live QEMUs naming one VM
  seen: string[]; // what those polls saw, for the failure message
  stop(): void;
};

// Polls every `intervalMs` (100 ms: the issue's rule) for VM ids named by two live QEMUs; `only`
// keeps it to the caller's VMs (other tests on the machine may be migrating theirs: two QEMUs).
export function startSplitBrainPoller(
  opts: { intervalMs?: number; only?: (vmId: string) => boolean } = {},
): SplitBrainPoller {
  const { intervalMs = 100, only = () => true } = opts;
  const p: SplitBrainPoller = { samples: 0, instants: 0, seen: [], stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    p.samples++;
    const byVm = new Map<string, QemuProcess[]>();
    for (const q of qemuProcesses().filter((x) => only(x.vmId))) byVm.set(q.vmId, [...(byVm.get(q.vmId) ?? []), q]);
    const doubled = [...byVm].filter(([, qs]) => qs.length > 1);
    if (!doubled.length) return;
    p.instants++;
    const at = new Date().toISOString();
    for (const [vmId, qs] of doubled)
      p.seen.push(`${at} ${vmId}: ${qs.map((q) => `pid ${q.pid} (${q.mntNs})`).join(', ')}`);
  }, intervalMs);
  return p;
}
