// The test guest (scripts/build-guest.sh, scripts/guest/init) as the tests drive it: where it is,
// how it boots, and its serial protocol (one command in, one "VMOPS-..." line out).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConsoleTail } from '@/lib/agent/qemu/vm-files';
import { waitFor } from '@/lib/wait-for';

export const REPO_DIR = path.resolve(import.meta.dirname, '../..');
export const GUEST_DIR = process.env.VMOPS_GUEST_DIR
  ? path.resolve(process.env.VMOPS_GUEST_DIR)
  : path.join(REPO_DIR, '.cache/guest');
export const GUEST_DISK = path.join(GUEST_DIR, 'disk.qcow2');

// Builds the guest unless its cached output is complete (fast then).
export function buildGuest(): void {
  const env = { ...process.env, VMOPS_GUEST_DIR: GUEST_DIR };
  execFileSync('bash', [path.join(REPO_DIR, 'scripts/build-guest.sh')], { stdio: 'inherit', timeout: 600_000, env });
}

export function guestBoot(): { kernelPath: string; initrdPath: string; append: string } {
  const manifest = JSON.parse(readFileSync(path.join(GUEST_DIR, 'manifest.json'), 'utf8')) as { append: string };
  return {
    kernelPath: path.join(GUEST_DIR, 'vmlinux'),
    initrdPath: path.join(GUEST_DIR, 'initrd.gz'),
    append: manifest.append,
  };
}

// The guest's files as the dashboard's image import takes them.
export const guestImageFiles = () => {
  const boot = guestBoot();
  return { disk: GUEST_DISK, kernel: boot.kernelPath, initrd: boot.initrdPath, append: boot.append };
};

// A VM's serial console: the agent client has this shape; a driver fits through driverConsole().
export type SerialConsole = {
  console(id: string, lines: number): Promise<Pick<ConsoleTail, 'lines'>>;
  sendSerial(id: string, line: string): Promise<void>;
};
type DriverConsole = {
  consoleTail(id: string, lines: number): Promise<ConsoleTail>;
  sendSerial(id: string, line: string): Promise<void>;
};
export const driverConsole = (d: DriverConsole): SerialConsole => ({
  console: (id, lines) => d.consoleTail(id, lines),
  sendSerial: (id, line) => d.sendSerial(id, line),
});

// The agent's largest console window (lib/agent/routes.ts CONSOLE_LINES_MAX).
const WINDOW = 2000;

// The lines of `now` written after `before` was read, both being tails of one append-only log.
// The longest end of `before` that `now` starts with is what both saw; the rest of `now` is new.
// A full window scrolls, so neither an index nor a count of earlier matches is safe; repeated
// lines can only make this claim fewer new lines (a later poll sees them), never an old one.
export function linesAfter(before: readonly string[], now: readonly string[]): string[] {
  for (let seen = Math.min(before.length, now.length); seen > 0; seen--) {
    let same = true;
    for (let i = 0; same && i < seen; i++) same = before[before.length - seen + i] === now[i];
    if (same) return now.slice(seen);
  }
  return [...now];
}

// Sends `cmd` and returns the first whole console line written after the send that matches `re`:
// never a line from before (an earlier answer), never the unfinished tail (the API keeps it apart).
export async function ask(c: SerialConsole, id: string, cmd: string, re: RegExp, timeoutMs = 120_000): Promise<string> {
  const before = (await c.console(id, WINDOW)).lines;
  await c.sendSerial(id, cmd);
  const answer = async () => linesAfter(before, (await c.console(id, WINDOW)).lines).find((l) => re.test(l));
  return waitFor(`${id}: "${cmd}" -> ${re}`, answer, timeoutMs, 100);
}

// The record check: "VMOPS-RECORDS first=<n> last=<n> count=<n> gaps=<n>".
export const records = (c: SerialConsole, id: string, timeoutMs?: number) =>
  ask(c, id, 'read', /^VMOPS-RECORDS first=\d+ last=\d+ count=\d+ gaps=\d+$/, timeoutMs);

// The guest printed its ready line (the agent's guestReady).
export const waitGuestReady = (
  c: { getVm(id: string): Promise<{ guestReady: boolean }> },
  id: string,
  timeoutMs = 180_000,
) => waitFor(`${id} guest ready`, async () => (await c.getVm(id)).guestReady, timeoutMs, 200);
