// qemu-img wrappers. Failures carry qemu-img's own stderr (qemuError), which names the problem
// better than anything we could guess (missing backing file, wrong format, disk full...).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { alreadyExists, noSuchObject, qemuError } from '@/lib/errors';
import type { DiskInfo } from '../driver/types';

type RunResult = { stdout: string; stderr: string };

export function runQemuImg(
  bin: string,
  what: string,
  args: string[],
  onStdout?: (chunk: string) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      onStdout?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (err) => reject(qemuError(what, `cannot run ${bin}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ stdout, stderr });
      const words = stderr.trim() || `exited with ${signal ?? `code ${code}`}`;
      reject(qemuError(what, words));
    });
  });
}

// Absolute backing paths: a relative one would be resolved against the overlay's directory and
// break as soon as either file moves. -F is mandatory (QEMU refuses to probe backing formats).
export async function createOverlay(
  bin: string,
  diskPath: string,
  basePath: string,
  sizeBytes?: number,
): Promise<void> {
  const base = path.resolve(basePath);
  if (!existsSync(base)) throw noSuchObject('image disk', base);
  // qemu-img create would silently replace an existing disk: never let that happen.
  if (existsSync(diskPath)) throw alreadyExists('disk', diskPath);
  await mkdir(path.dirname(diskPath), { recursive: true });
  const args = ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', diskPath];
  if (sizeBytes !== undefined && sizeBytes > 0) args.push(String(sizeBytes));
  await runQemuImg(bin, 'qemu-img create', args);
}

type QemuImgInfo = {
  'virtual-size': number;
  'actual-size'?: number;
  format: string;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
};

// -U (force share): works while a running VM holds the image's write lock.
export async function diskInfo(bin: string, file: string): Promise<DiskInfo> {
  if (!existsSync(file)) throw noSuchObject('disk', file);
  const { stdout } = await runQemuImg(bin, 'qemu-img info', ['info', '--output=json', '-U', file]);
  return parseInfo(stdout);
}

export function parseInfo(json: string): DiskInfo {
  const j = JSON.parse(json) as QemuImgInfo;
  return {
    virtualSizeBytes: j['virtual-size'],
    actualSizeBytes: j['actual-size'] ?? 0,
    backingPath: j['full-backing-filename'] ?? j['backing-filename'] ?? null,
    format: j.format,
  };
}

// `qemu-img convert -p` prints "    (12.34/100%)\r" repeatedly on stdout; chunks may split a
// report anywhere. Yields fractions in [0, 1], only when they increase.
export class ProgressParser {
  private buf = '';
  private last = -1;
  push(chunk: string): number[] {
    this.buf += chunk;
    const out: number[] = [];
    const re = /\((\d+(?:\.\d+)?)\/100%\)/g;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = re.exec(this.buf))) {
      consumed = re.lastIndex;
      const f = Math.min(1, Math.max(0, Number(m[1]) / 100));
      if (f > this.last) {
        this.last = f;
        out.push(f);
      }
    }
    // Keep only what could still be the start of a report.
    const rest = this.buf.slice(consumed);
    const open = rest.lastIndexOf('(');
    this.buf = open >= 0 ? rest.slice(open) : '';
    return out;
  }
}

// Any format qemu-img reads -> standalone qcow2. Written to a temp name and renamed, so `dest`
// never exists half-written.
export async function convertToQcow2(
  bin: string,
  src: string,
  dest: string,
  onProgress?: (fraction: number) => void,
): Promise<void> {
  if (!existsSync(src)) throw noSuchObject('file', src);
  if (existsSync(dest)) throw alreadyExists('disk', dest);
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.part-${process.pid}`;
  const parser = new ProgressParser();
  try {
    await runQemuImg(bin, 'qemu-img convert', ['convert', '-p', '-O', 'qcow2', src, tmp], (c) => {
      for (const f of parser.push(c)) onProgress?.(f);
    });
    await rename(tmp, dest);
    onProgress?.(1);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

// Bytes a standalone qcow2 copy of `src` (its whole backing chain flattened) needs on disk; -U so
// a chain that a running VM reads (instant recovery) can be measured too.
export async function measureQcow2(bin: string, src: string): Promise<number> {
  if (!existsSync(src)) throw noSuchObject('file', src);
  const { stdout } = await runQemuImg(bin, 'qemu-img measure', ['measure', '-U', '--output=json', '-O', 'qcow2', src]);
  return (JSON.parse(stdout) as { required: number }).required;
}
