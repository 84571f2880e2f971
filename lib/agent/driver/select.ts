// Chooses the hypervisor driver. QEMU is the product; the simulated driver exists only so the
// dashboard runs on machines without QEMU, and then it says so loudly (log banner + AgentInfo).
import type { DriverKind } from '@/lib/agent-protocol/core';
import { createSimulatedDriver, SIMULATED_BANNER } from './simulated';
import type { Driver } from './types';

export const QEMU_INSTALL_HINT = 'apt-get update && apt-get install -y qemu-system-x86 qemu-utils';

type Pool = { name: string; kind: 'local' | 'shared'; path: string };

export type SelectDriverOptions = {
  requested?: DriverKind; // undefined = auto
  pools: Pool[];
  qemuBinary?: string;
  log: (msg: string) => void;
  hostName?: string; // the agent's name: owner of the VMs the QEMU driver defines
};

// Seams for tests: the real lookups need QEMU installed.
export type SelectDeps = {
  findQemuBinary(): string | null;
  findQemuImg(qemuBinary?: string): string | null;
  createQemuDriver(opts: {
    pools: Pool[];
    qemuBinary?: string;
    log?: (msg: string) => void;
    hostName?: string;
  }): Promise<Driver>;
};

async function realDeps(): Promise<SelectDeps> {
  // Loaded lazily: an agent started with --driver simulated never loads the QEMU driver's modules.
  const qemu = await import('../qemu/index');
  return {
    findQemuBinary: () => qemu.findQemuBinary(),
    findQemuImg: qemu.findQemuImg,
    createQemuDriver: qemu.createQemuDriver,
  };
}

export async function selectDriver(opts: SelectDriverOptions, deps?: SelectDeps): Promise<Driver> {
  if (opts.requested === 'simulated') return simulated(opts, 'requested with --driver simulated');
  const d = deps ?? (await realDeps());

  const qemuBinary = opts.qemuBinary ?? d.findQemuBinary();
  const qemuImg = d.findQemuImg(qemuBinary ?? undefined);
  const missing = [!qemuBinary && 'qemu-system-x86_64', !qemuImg && 'qemu-img'].filter(Boolean);
  if (missing.length === 0) {
    opts.log(`driver: qemu (${qemuBinary}, ${qemuImg})`);
    return d.createQemuDriver({ pools: opts.pools, qemuBinary: qemuBinary!, log: opts.log, hostName: opts.hostName });
  }
  if (opts.requested === 'qemu') {
    throw new Error(
      `--driver qemu needs QEMU but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed. Install with: ${QEMU_INSTALL_HINT}`,
    );
  }
  return simulated(opts, `${missing.join(' and ')} not found (install with: ${QEMU_INSTALL_HINT})`);
}

function simulated(opts: SelectDriverOptions, why: string): Driver {
  const bar = '!'.repeat(SIMULATED_BANNER.length);
  for (const line of [bar, SIMULATED_BANNER, `(${why})`, bar]) opts.log(line);
  return createSimulatedDriver({ pools: opts.pools, log: opts.log });
}
