// SIMULATED DRIVER (stand-in for machines without QEMU): the test guest's serial protocol.
// Answers the same commands as the real guest's /init (scripts/build-guest.sh) in the same
// VMOPS- line format, so UI and tests that talk to the console behave alike on both drivers.
export type GuestRecord = { seq: number; ts: number };
export type GuestState = { bootedAtMs: number; seq: number; burn: boolean; last: GuestRecord | null };

export const RECORD_BYTES = 512; // the real guest writes one 512-byte record per `write`

export function newGuestState(nowMs: number, previous?: Pick<GuestState, 'seq' | 'last'>): GuestState {
  // seq and the last record live on the (simulated) disk, so they survive a reboot; burn does not.
  return { bootedAtMs: nowMs, seq: previous?.seq ?? 0, burn: false, last: previous?.last ?? null };
}

export function bootLines(vm: { name: string; vcpus: number; memoryMiB: number }): string[] {
  return [
    'SIMULATED DRIVER: no QEMU on this machine — VMs are not real',
    `[    0.000000] Linux version 6.1.0-simulated (vmops simulated guest ${vm.name})`,
    `[    0.000000] Memory: ${vm.memoryMiB * 1024}K available, ${vm.vcpus} CPU(s)`,
    '[    0.412000] Run /init as init process',
  ];
}

export const READY_LINE = 'VMOPS-READY';

export type GuestAnswer = { lines: string[]; wroteBytes: number; readBytes: number };

export function answerGuestCommand(state: GuestState, input: string, nowMs: number): GuestAnswer {
  const [cmd, arg] = input.trim().split(/\s+/);
  const answer = (lines: string[], wroteBytes = 0, readBytes = 0): GuestAnswer => ({ lines, wroteBytes, readBytes });
  switch (cmd) {
    case 'status': {
      const uptime = ((nowMs - state.bootedAtMs) / 1000).toFixed(2);
      return answer([`VMOPS-STATUS uptime=${uptime} seq=${state.seq} burn=${state.burn ? 'on' : 'off'}`]);
    }
    case 'write': {
      const seq = Number(arg);
      if (!Number.isInteger(seq) || seq < 0) return answer([`VMOPS-ERR write needs a sequence number, got "${arg ?? ''}"`]);
      state.seq = seq;
      state.last = { seq, ts: Math.floor(nowMs / 1000) };
      return answer([`VMOPS-OK seq=${seq}`], RECORD_BYTES);
    }
    case 'burn': {
      if (arg !== 'on' && arg !== 'off') return answer([`VMOPS-ERR burn needs on or off, got "${arg ?? ''}"`]);
      state.burn = arg === 'on';
      return answer([`VMOPS-OK burn=${arg}`]);
    }
    case 'read':
      return answer([state.last ? `VMOPS-RECORD seq=${state.last.seq} ts=${state.last.ts}` : 'VMOPS-RECORD none'], 0, RECORD_BYTES);
    default:
      return answer([`VMOPS-ERR unknown command: ${input.trim()}`]);
  }
}
