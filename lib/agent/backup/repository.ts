// The agent's own guard over backup repositories (defence in depth: the dashboard checks the same
// rules, path-rules.ts). A repository path is refused before anything is touched when it is a
// system tree or overlaps this agent's pools, image repository or data dir, then again once
// resolved through symlinks; file operations accept only restore point files inside a VM's
// directory of such a place. Every fs call is bounded (fs-bounds.ts).
import { constants } from 'node:fs';
import { access, lstat, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { AppError, errorMessage, invalidInput } from '@/lib/errors';
import { boundedUsage, createGate, FS_SLOTS, mkdirLevels, resolveReal, USAGE_LIMITS, withDeadline } from '../fs-bounds';
import { vmIdSchema } from '@/lib/agent-protocol/core';
import {
  normaliseRepositoryPath,
  overlapReason,
  systemTreeReason,
  type Reserved,
} from '@/lib/agent-protocol/path-rules';
import type { RepositoryStatus } from '@/lib/agent-protocol/backup';

export const CHECK_MS = 5_000; // a whole repository check, usage walk included
export const FILE_CHECK_MS = 2_000; // resolving the files of one verify / delete / rebase request
export const GATE_WAIT_MS = 3_000;
export const MAX_NEW_LEVELS = 8;
// rp-<12 hex>.qcow2 or .json, or either's .partial: nothing else in a repository is the agent's to touch.
export const POINT_FILE_NAME = /^rp-[0-9a-f]{12}\.(qcow2|json)(\.partial)?$/;

export type RepositoryDirs = { pools: { name: string; path: string }[]; images: string; data: string };

const refuse = (field: string, reason: string) => invalidInput({ [field]: [reason] }, reason);

// VM disks, images and anything outside a repository are never "backup files", whatever their names.
export type RepositoryGuard = ReturnType<typeof createRepositoryGuard>;

export function createRepositoryGuard(dirs: RepositoryDirs) {
  const gate = createGate(FS_SLOTS);
  const configured: Reserved[] = [
    ...dirs.pools.map((p) => ({ what: `this host's VM pool ${p.name}`, path: p.path })),
    { what: "this host's image repository", path: dirs.images },
    { what: "this host's agent data directory", path: dirs.data },
  ];
  // The reserved dirs as configured and as resolved (a pool reached through a symlink).
  let resolved: Promise<Reserved[]> | null = null;
  const reserved = () =>
    (resolved ??= Promise.all(
      configured.map(async (r) => ({ ...r, path: (await resolveReal(r.path, Date.now() + CHECK_MS)).real })),
    ).then(
      (real) => [...configured, ...real.filter((r, i) => r.path !== configured[i].path)],
      (err: unknown) => {
        resolved = null;
        throw err;
      },
    ));

  // The path as given, normalised, or the refusal: no fs call (reserved() resolves once, at start).
  async function placeAsGiven(p: string, field: string): Promise<string> {
    const n = normaliseRepositoryPath(p);
    if ('reason' in n) throw refuse(field, `${p} ${n.reason}`);
    const early = systemTreeReason(n.path) ?? overlapReason(n.path, await reserved());
    if (early) throw refuse(field, early);
    return n.path;
  }

  // Then resolved through symlinks (fs calls: callers hold a gate slot).
  async function place(p: string, field: string, deadline: number): Promise<{ real: string; missing: string[] }> {
    const given = await placeAsGiven(p, field);
    const r = await resolveReal(given, deadline);
    const late = r.real === given ? null : (systemTreeReason(r.real) ?? overlapReason(r.real, await reserved()));
    if (late) throw refuse(field, `${given} resolves to ${r.real}: ${late}`);
    return r;
  }

  async function check(req: { path: string; create: boolean }): Promise<RepositoryStatus> {
    const deadline = Date.now() + CHECK_MS;
    await placeAsGiven(req.path, 'path'); // refused at once, even while the gate is full
    return gate.run(`checking ${req.path}`, GATE_WAIT_MS, async () => {
      let where = await place(req.path, 'path', deadline);
      const left = () => Math.max(deadline - Date.now(), 1);
      if (req.create && where.missing.length) {
        await mkdirLevels(where.real, { maxLevels: MAX_NEW_LEVELS, deadline }).catch((err: unknown) => {
          throw err instanceof AppError ? err : refuse('path', `cannot create ${req.path}: ${errorMessage(err)}`);
        });
        where = await place(req.path, 'path', deadline); // what was created (a link swapped in meanwhile is seen)
      }
      const dir = where.real;
      const st = await withDeadline(stat(dir), left(), `reading ${dir}`).catch(() => null);
      const exists = !!st?.isDirectory();
      const writable =
        exists &&
        (await withDeadline(access(dir, constants.W_OK | constants.X_OK), left(), `checking access to ${dir}`).then(
          () => true,
          () => false,
        ));
      // Space of the filesystem the repository is (or would be) on.
      const fs = await withDeadline(
        statfs(exists ? dir : (await resolveReal(dir, deadline)).existing),
        left(),
        `reading free space of ${dir}`,
      );
      const usage = exists
        ? await boundedUsage(dir, { ...USAGE_LIMITS, budgetMs: Math.min(USAGE_LIMITS.budgetMs, left()) })
        : { bytes: 0, partial: false };
      return {
        exists,
        writable,
        totalBytes: fs.blocks * fs.bsize,
        freeBytes: fs.bavail * fs.bsize,
        usedBytes: usage.bytes,
        usedBytesPartial: usage.partial,
        resolvedPath: dir,
      };
    });
  }

  // A restore point file (or its manifest / .partial) directly in `<place>/<vmId>/`, the place
  // allowed for a repository, the file itself no symlink. `repository`: also inside that one.
  async function assertPointFiles(paths: string[], field: (i: number) => string, repository?: string): Promise<void> {
    const deadline = Date.now() + FILE_CHECK_MS;
    await gate.run('checking backup files', GATE_WAIT_MS, async () => {
      const repo = repository === undefined ? null : (await place(repository, 'repository', deadline)).real;
      for (const [i, p] of paths.entries()) {
        const name = path.basename(p);
        const vmDir = path.dirname(p);
        if (!POINT_FILE_NAME.test(name))
          throw refuse(field(i), 'is not a restore point file (rp-<12 hex>.qcow2 or .json, or its .partial)');
        if (!vmIdSchema.safeParse(path.basename(vmDir)).success)
          throw refuse(field(i), "must be in a VM's directory of a backup repository");
        // The VM dir resolved (it may be a symlink), then the repository holding it.
        const home = await place(vmDir, field(i), deadline)
          .then((r) => path.dirname(r.real))
          .catch((err: unknown) => {
            throw invalidInput.is(err)
              ? refuse(
                  field(i),
                  `is not in an allowed backup repository: ${(err.data!.fields as Record<string, string[]>)[field(i)][0]}`,
                )
              : err;
          });
        const outside = systemTreeReason(home) ?? overlapReason(home, await reserved());
        if (outside) throw refuse(field(i), `is not in an allowed backup repository: ${outside}`);
        if (repo !== null && home !== repo)
          throw refuse(field(i), `must be a file inside the repository ${repository}`);
        const st = await withDeadline(lstat(p), Math.max(deadline - Date.now(), 1), `reading ${p}`).catch(() => null);
        if (st && !st.isFile()) throw refuse(field(i), 'is not a regular file');
      }
    });
  }

  // A repository directory a request names (a backup's target): allowed, as given and resolved.
  async function assertRepositoryDir(dir: string, field: string): Promise<void> {
    const deadline = Date.now() + FILE_CHECK_MS;
    await placeAsGiven(dir, field);
    await gate.run('checking a backup target', GATE_WAIT_MS, () => place(dir, field, deadline));
  }

  return { check, assertPointFiles, assertRepositoryDir, reserved };
}
