// The shared image repository: <shared>/images/<name>/<version>/{disk.qcow2, vmlinux, initrd.gz,
// manifest.json}. Entries starting with '.' are imports in progress and are never listed.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { imageManifestSchema, type ImageManifest } from '@/lib/agent-protocol/core';

export const IMAGE_FILES = {
  disk: 'disk.qcow2',
  kernel: 'vmlinux',
  initrd: 'initrd.gz',
  manifest: 'manifest.json',
} as const;

export const imageDir = (imagesDir: string, name: string, version: string) => path.join(imagesDir, name, version);

async function subdirs(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
}

export async function listImages(imagesDir: string, log: (msg: string) => void): Promise<ImageManifest[]> {
  const out: ImageManifest[] = [];
  for (const name of await subdirs(imagesDir)) {
    for (const version of await subdirs(path.join(imagesDir, name))) {
      const file = path.join(imagesDir, name, version, IMAGE_FILES.manifest);
      if (!existsSync(file)) continue;
      try {
        out.push(imageManifestSchema.parse(JSON.parse(await readFile(file, 'utf8'))));
      } catch (err) {
        // One bad manifest must not hide the others; say which file is wrong.
        log(`skipping unreadable image manifest ${file}: ${(err as Error).message}`);
      }
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}
