// SIMULATED DRIVER (stand-in for machines without QEMU): the test guest's serial protocol.
// Mirrors scripts/guest/init line for line (same commands, same VMOPS- answers, no echo), so UI
// and tests that talk to the console behave alike on both drivers.
export type GuestState = { bootedAtMs: number; seq: number; burn: boolean };

export const RECORD_BYTES = 512; // one record per sequence number, as the real guest writes
const REC_MAX = 8191; // the real guest's record area: sectors 1..8191
const MiB = 1024 * 1024;

export function newGuestState(nowMs: number, previous?: Pick<GuestState, 'seq'>): GuestState {
  // The records live on the (simulated) disk: seq survives a reboot, burn does not.
  return { bootedAtMs: nowMs, seq: previous?.seq ?? 0, burn: false };
}

export function bootLines(vm: { name: string; vcpus: number; memoryMiB: number }): string[] {
  return [
    'SIMULATED DRIVER: no QEMU on this machine — VMs are not real',
    `[    0.000000] Linux version 6.1.0-simulated (vmops simulated guest ${vm.name})`,
    `[    0.000000] Memory: ${vm.memoryMiB * 1024}K available, ${vm.vcpus} CPU(s)`,
  ];
}

const uptime = (state: GuestState, nowMs: number) => ((nowMs - state.bootedAtMs) / 1000).toFixed(2);

export const readyLine = (state: GuestState, nowMs: number) => `VMOPS-READY uptime=${uptime(state, nowMs)}`;
export const POWEROFF_LINES = ['VMOPS-POWEROFF', 'reboot: Power down']; // ACPI power button

export type GuestAnswer = { lines: string[]; wroteBytes: number; readBytes: number; powerOff?: boolean };

const isNum = (s: string | undefined) => s !== undefined && /^[0-9]+$/.test(s);

export function answerGuestCommand(state: GuestState, input: string, nowMs: number): GuestAnswer {
  const [cmd, a1, a2] = input.trim().split(/\s+/);
  const answer = (line: string, wroteBytes = 0, readBytes = 0): GuestAnswer => ({
    lines: [line],
    wroteBytes,
    readBytes,
  });
  switch (cmd) {
    case '':
      return { lines: [], wroteBytes: 0, readBytes: 0 };
    case 'status':
      return answer(`VMOPS-STATUS uptime=${uptime(state, nowMs)} seq=${state.seq} burn=${state.burn ? 1 : 0}`);
    case 'burn':
      if (a1 !== 'on' && a1 !== 'off') return answer('VMOPS-ERR usage: burn on|off');
      state.burn = a1 === 'on';
      return answer(`VMOPS-OK burn=${state.burn ? 1 : 0}`);
    case 'write': {
      // `write N` appends N records after the last one: seq+1 .. seq+N.
      if (!isNum(a1)) return answer('VMOPS-ERR usage: write N');
      const n = Number(a1);
      if (state.seq + n > REC_MAX) return answer(`VMOPS-ERR record area full (max ${REC_MAX})`);
      state.seq += n;
      return answer(`VMOPS-OK seq=${state.seq}`, n * RECORD_BYTES);
    }
    case 'read': {
      const s = state.seq;
      return answer(`VMOPS-RECORDS first=${s ? 1 : 0} last=${s} count=${s} gaps=0`, 0, 4 * MiB);
    }
    case 'writemb':
      if (!isNum(a1) || (a2 !== undefined && !isNum(a2))) return answer('VMOPS-ERR usage: writemb N [OFFSET_MIB]');
      return answer(`VMOPS-OK writemb=${a1}`, Number(a1) * MiB);
    case 'poweroff':
      return { ...answer('VMOPS-OK poweroff'), powerOff: true };
    default:
      return answer('VMOPS-ERR unknown command');
  }
}
