// Without QEMU there is no test guest to build; a blank disk lets the simulated driver
// provision, and its description says what it is.
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeSimulatedImage(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const disk = path.join(dir, 'disk.raw');
  writeFileSync(disk, '');
  truncateSync(disk, 64 * 1024 * 1024);
  const manifest = {
    name: 'tiny-linux',
    version: '1.0',
    description: 'SIMULATED: a blank 64 MiB disk standing in for the test guest (no QEMU here)',
    disk: 'disk.raw',
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}
