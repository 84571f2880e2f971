// qemu-img side of backups: stopped-VM full/incremental copies, persistent bitmaps in the image
// file, allocation of a backup file, and rebase of a backup onto another parent.
import { ProgressParser, runQemuImg } from './qemu-img';

type Progress = ((fraction: number) => void) | undefined;

const withProgress = (onProgress: Progress) => {
  const parser = new ProgressParser();
  return (chunk: string) => {
    for (const f of parser.push(chunk)) onProgress?.(f);
  };
};

export type ImageBitmap = { name: string; flags: string[]; granularity: number };

// Persistent bitmaps stored in a qcow2 file. flags: "auto" = recording, "in-use" = the image was
// not closed cleanly while the bitmap was loaded (its content cannot be trusted).
export async function imageBitmaps(
  bin: string,
  file: string,
): Promise<{ bitmaps: ImageBitmap[]; virtualSizeBytes: number }> {
  const { stdout } = await runQemuImg(bin, 'qemu-img info', ['info', '--output=json', '-U', file]);
  const j = JSON.parse(stdout) as {
    'virtual-size': number;
    'format-specific'?: { data?: { bitmaps?: ImageBitmap[] } };
  };
  return { bitmaps: j['format-specific']?.data?.bitmaps ?? [], virtualSizeBytes: j['virtual-size'] };
}

// Data clusters allocated in this file itself (depth 0), not in its backing chain; zero
// clusters do not count. This is what a backup actually wrote.
export async function allocatedBytes(bin: string, file: string): Promise<number> {
  const { stdout } = await runQemuImg(bin, 'qemu-img map', ['map', '-f', 'qcow2', '--output=json', file]);
  const extents = JSON.parse(stdout) as { length: number; depth: number; data: boolean }[];
  return extents.reduce((n, e) => n + (e.depth === 0 && e.data ? e.length : 0), 0);
}

// An empty qcow2 backup target (a running VM's job fills it); an incremental one reads unchanged
// clusters from its parent.
export async function createTarget(
  bin: string,
  file: string,
  sizeBytes: number,
  backing: string | null,
): Promise<void> {
  const args = [
    'create',
    '-q',
    '-f',
    'qcow2',
    ...(backing ? ['-b', backing, '-F', 'qcow2'] : []),
    file,
    String(sizeBytes),
  ];
  await runQemuImg(bin, 'qemu-img create', args);
}

// Stopped VM, full: the whole disk (through its image backing) as one standalone qcow2; zero
// areas are not written.
export async function offlineFull(bin: string, disk: string, out: string, onProgress?: Progress): Promise<void> {
  await runQemuImg(
    bin,
    'qemu-img convert',
    ['convert', '-p', '-f', 'qcow2', '-O', 'qcow2', disk, out],
    withProgress(onProgress),
  );
}

// Stopped VM, incremental: an overlay on the VM disk, then a safe rebase onto the parent. Rebase
// compares the two chains and writes into the overlay only the clusters whose content differs,
// so the file holds exactly what changed since the parent, whatever the bitmap says.
// (`convert -B parent` would copy every cluster allocated in the disk's top layer instead.)
export async function offlineIncremental(
  bin: string,
  disk: string,
  parent: string,
  out: string,
  sizeBytes: number,
  onProgress?: Progress,
): Promise<void> {
  await runQemuImg(bin, 'qemu-img create', [
    'create',
    '-q',
    '-f',
    'qcow2',
    '-b',
    disk,
    '-F',
    'qcow2',
    out,
    String(sizeBytes),
  ]);
  await rebase(bin, out, parent, onProgress);
}

// Safe rebase (content kept); null flattens the file into a standalone one.
export async function rebase(bin: string, file: string, backing: string | null, onProgress?: Progress): Promise<void> {
  const args = ['rebase', '-p', '-f', 'qcow2', '-b', backing ?? '', ...(backing ? ['-F', 'qcow2'] : []), file];
  await runQemuImg(bin, 'qemu-img rebase', args, withProgress(onProgress));
}

export type BitmapAction = 'add' | 'clear' | 'replace';

// Makes a stopped disk's bitmap start afresh (the next live incremental counts from now).
export async function resetImageBitmap(bin: string, disk: string, name: string, action: BitmapAction): Promise<void> {
  const run = (op: string) => runQemuImg(bin, `qemu-img bitmap ${op}`, ['bitmap', op, '-f', 'qcow2', disk, name]);
  if (action === 'replace') await run('--remove');
  await run(action === 'clear' ? '--clear' : '--add');
}
