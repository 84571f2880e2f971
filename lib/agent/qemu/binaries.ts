// Locating QEMU and asking its version. PATH lookup is done here (no `which`/shell) so it works
// the same under systemd's minimal environment and in tests.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

function onPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(':').filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return null;
}

export function findQemuBinary(envPath?: string): string | null {
  return onPath('qemu-system-x86_64', envPath);
}

// qemu-img from the same installation as the binary first (a custom build in /opt), then PATH.
export const findQemuImg = (qemuBinary?: string) => findQemuTool('qemu-img', qemuBinary);
// The storage daemon (replication of stopped VMs), found the same way.
export const findStorageDaemon = (qemuBinary?: string) => findQemuTool('qemu-storage-daemon', qemuBinary);

function findQemuTool(name: string, qemuBinary?: string): string | null {
  if (qemuBinary) {
    const sibling = path.join(path.dirname(qemuBinary), name);
    try {
      accessSync(sibling, constants.X_OK);
      return sibling;
    } catch {
      // fall through
    }
  }
  return onPath(name);
}

// "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" -> "7.2.22"; null if QEMU
// cannot be run.
export function parseQemuVersion(out: string): string | null {
  return /version\s+(\d+\.\d+(?:\.\d+)?)/.exec(out)?.[1] ?? null;
}

export function qemuVersion(binary: string | null = findQemuBinary()): Promise<string | null> {
  if (!binary) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 10_000 }, (err, stdout) =>
      resolve(err ? null : parseQemuVersion(stdout)),
    );
  });
}
