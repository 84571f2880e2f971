// SIMULATED DRIVER (stand-in for machines without QEMU): disk files. Without qemu-img there is no
// real qcow2 to write, so an overlay is a small marker file naming its backing file and size.
// Real qcow2 inputs are recognised by their header so imported images report true sizes.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { qemuError } from '@/lib/errors';
import type { DiskInfo } from './types';

const MARKER = 'VMOPS-SIMULATED-QCOW2\n';
const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]); // "QFI\xfb"

type Marker = { virtualSizeBytes: number; backingPath: string | null };

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

// Answers in qemu-img's words so error paths look the same with both drivers.
async function mustExist(file: string): Promise<void> {
  try {
    await stat(file);
  } catch {
    throw qemuError('qemu-img', `Could not open '${file}': No such file or directory`);
  }
}

export async function simDiskInfo(file: string): Promise<DiskInfo> {
  await mustExist(file);
  const { size } = await stat(file);
  const head = await readHead(file, 64);
  if (head.subarray(0, MARKER.length).toString() === MARKER) {
    const m = JSON.parse((await readFile(file, 'utf8')).slice(MARKER.length)) as Marker;
    return { virtualSizeBytes: m.virtualSizeBytes, actualSizeBytes: size, backingPath: m.backingPath, format: 'qcow2' };
  }
  if (head.length >= 32 && head.subarray(0, 4).equals(QCOW2_MAGIC)) {
    // qcow2 header: virtual size is a big-endian u64 at offset 24.
    return {
      virtualSizeBytes: Number(head.readBigUInt64BE(24)),
      actualSizeBytes: size,
      backingPath: null,
      format: 'qcow2',
    };
  }
  return { virtualSizeBytes: size, actualSizeBytes: size, backingPath: null, format: 'raw' };
}

export async function simCreateOverlay(diskPath: string, basePath: string, sizeBytes: number): Promise<void> {
  const base = await simDiskInfo(basePath);
  const marker: Marker = { virtualSizeBytes: Math.max(sizeBytes, base.virtualSizeBytes), backingPath: basePath };
  await writeFile(diskPath, MARKER + JSON.stringify(marker), { flag: 'wx' });
}

// A qcow2 input is copied as is; anything else becomes a marker of the same virtual size
// (the simulated VMs never read the data, so converting it would only waste disk).
export async function simConvertToQcow2(
  src: string,
  dest: string,
  onProgress?: (fraction: number) => void,
): Promise<void> {
  const info = await simDiskInfo(src);
  if (info.format !== 'qcow2') {
    await writeFile(dest, MARKER + JSON.stringify({ virtualSizeBytes: info.virtualSizeBytes, backingPath: null }), {
      flag: 'wx',
    });
    onProgress?.(1);
    return;
  }
  let done = 0;
  const progress = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      onProgress?.(info.actualSizeBytes ? done / info.actualSizeBytes : 1);
      cb(null, chunk);
    },
  });
  await pipeline(createReadStream(src), progress, createWriteStream(dest, { flags: 'wx' }));
  onProgress?.(1);
}
