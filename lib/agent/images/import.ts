// Image import as an operation: fetch (hashing while streaming) -> verify sha256 -> convert to
// qcow2 -> optional kernel/initrd -> manifest. Everything is built in a temp dir inside the
// repository and renamed into place in one step, so a failed import leaves nothing behind and
// other hosts never see a half-written image on the shared storage.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { alreadyExists, checksumMismatch } from '@/lib/errors';
import type { Driver } from '../driver/types';
import type { Operations } from '../operations';
import type {
  ImageManifest,
  importImageRequestSchema,
  importSourcesSchema,
  Operation,
} from '@/lib/agent-protocol/core';
import { sha256File } from '../sha256-file';
import { checkSource, fetchSource, releaseSource, type CheckedSource } from './fetch';
import type { ImportLocations, SourceField } from './locations';
import { IMAGE_FILES, imageDir, listImages } from './repository';

export type ImportInput = z.output<typeof importImageRequestSchema>;
type ImportSources = z.output<typeof importSourcesSchema>;

export type ImageServiceOptions = {
  imagesDir: string;
  locations: ImportLocations;
  driver: Driver;
  operations: Operations;
  log: (msg: string) => void;
};

type Sources = { disk: CheckedSource } & Partial<Record<'kernel' | 'initrd', CheckedSource>>;

export type ImageService = ReturnType<typeof createImageService>;

export function createImageService(opts: ImageServiceOptions) {
  const inFlight = new Set<string>();

  async function runImport(
    req: ImportInput,
    sources: Sources,
    report: (p: number, msg: string) => void,
  ): Promise<ImageManifest> {
    const finalDir = imageDir(opts.imagesDir, req.name, req.version);
    await mkdir(opts.imagesDir, { recursive: true });
    const tmp = await mkdtemp(path.join(opts.imagesDir, `.import-${req.name}-${req.version}-`));
    const verb = (s: CheckedSource) => ('url' in s ? 'downloading' : 'copying');
    try {
      const source = path.join(tmp, 'source');
      const fetched = await fetchSource(sources.disk, source, (f) => report(0.6 * f, `${verb(sources.disk)} disk`));
      if (req.sha256 && fetched.sha256 !== req.sha256) throw checksumMismatch(req.sha256, fetched.sha256);
      const disk = path.join(tmp, IMAGE_FILES.disk);
      await opts.driver.convertToQcow2(source, disk, (f) => report(0.6 + 0.3 * f, 'converting to qcow2'));
      await rm(source);

      const extras: Partial<Record<'kernelPath' | 'initrdPath', string>> = {};
      for (const [key, src, file, at] of [
        ['kernelPath', sources.kernel, IMAGE_FILES.kernel, 0.9],
        ['initrdPath', sources.initrd, IMAGE_FILES.initrd, 0.93],
      ] as const) {
        if (!src) continue;
        await fetchSource(src, path.join(tmp, file), (f) => report(at + 0.03 * f, `${verb(src)} ${file}`));
        extras[key] = path.join(finalDir, file);
      }

      report(0.96, 'computing sha256 of disk.qcow2');
      const info = await opts.driver.diskInfo(disk);
      const manifest: ImageManifest = {
        name: req.name,
        version: req.version,
        description: req.description,
        format: 'qcow2',
        sizeBytes: (await stat(disk)).size,
        virtualSizeBytes: info.virtualSizeBytes,
        sha256: await sha256File(disk),
        diskPath: path.join(finalDir, IMAGE_FILES.disk),
        ...extras,
        append: req.append,
        minMemoryMiB: req.minMemoryMiB,
        importedAt: new Date().toISOString(),
      };
      await writeFile(path.join(tmp, IMAGE_FILES.manifest), JSON.stringify(manifest, null, 2));
      // VM overlays use disk.qcow2 as their backing file: it must never change again.
      for (const f of await readdir(tmp)) await chmod(path.join(tmp, f), 0o444);
      await chmod(tmp, 0o755); // mkdtemp made it 0700; other hosts' agents must read it
      await mkdir(path.dirname(finalDir), { recursive: true });
      await rename(tmp, finalDir);
      return manifest;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      await rmdir(path.dirname(finalDir)).catch(() => {}); // only succeeds if we left it empty
      throw err;
    }
  }

  // Every source is checked against the import locations (and local files opened) now, so a
  // refusal or a missing file inside an allowed directory is answered at once, not as a failed
  // operation later; the operation reads the descriptors checked here.
  async function checkSources(req: ImportSources): Promise<Sources> {
    const checked: CheckedSource[] = [];
    try {
      for (const field of ['disk', 'kernel', 'initrd'] as const satisfies SourceField[]) {
        const s = req[field];
        if (s) checked.push(await checkSource(field, s, opts.locations));
      }
    } catch (err) {
      await Promise.all(checked.map(releaseSource));
      throw err;
    }
    return {
      disk: checked[0],
      kernel: checked.find((c) => c.field === 'kernel'),
      initrd: checked.find((c) => c.field === 'initrd'),
    };
  }
  const releaseAll = (s: Sources) => Promise.all([s.disk, s.kernel, s.initrd].map((c) => c && releaseSource(c)));

  return {
    list: () => listImages(opts.imagesDir, opts.log),
    locations: (): ImportLocations => opts.locations,
    // The same checks as an import, without importing: the dashboard asks before queueing one.
    async check(req: ImportSources): Promise<void> {
      await releaseAll(await checkSources(req));
    },
    async import(req: ImportInput): Promise<Operation> {
      const key = `${req.name}/${req.version}`;
      if (inFlight.has(key) || existsSync(imageDir(opts.imagesDir, req.name, req.version)))
        throw alreadyExists('image', `${req.name} ${req.version}`);
      inFlight.add(key);
      let sources: Sources;
      try {
        sources = await checkSources(req);
      } catch (err) {
        inFlight.delete(key);
        throw err;
      }
      opts.log(`importing image ${key}`);
      return opts.operations.start('image-import', `importing ${key}`, (op) =>
        runImport(req, sources, (p, msg) => op.report(p, msg)).finally(async () => {
          inFlight.delete(key);
          await releaseAll(sources);
        }),
      );
    },
  };
}
