// Bounds for the file-system work a request makes the agent do: a deadline on every call, a cap
// on how many run at once, and level-by-level mkdir / a budgeted tree walk instead of recursion
// that follows whatever the caller pointed at.
//
// Node runs fs calls on libuv's threadpool (4 threads, shared with dns and crypto): a deadline
// frees the request but not the thread, so the gate below keeps slow or hung calls (a dead NFS
// mount, a huge tree) to FS_SLOTS threads, whatever callers send, and the rest of the agent
// (health, heartbeats, VM calls) keeps its threads.
import { lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { timeout } from '@/lib/errors';

export const FS_SLOTS = 2;

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout(what, Math.round(ms / 100) / 10)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

// A counting semaphore. `run` waits at most `waitMs` for a slot (TIMEOUT otherwise) and holds
// it until the work has really ended, even past the caller's deadline, so a hung call keeps its
// thread accounted for instead of letting a new request pile another one on.
export function createGate(slots: number) {
  let busy = 0;
  const waiting: (() => void)[] = [];
  // A finished call hands its slot straight to the next waiter, so no newcomer slips in between.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else busy--;
  };
  return {
    get busy() {
      return busy;
    },
    async run<T>(what: string, waitMs: number, work: () => Promise<T>): Promise<T> {
      if (busy < slots) busy++;
      else {
        let wake!: () => void;
        const turn = new Promise<void>((r) => (wake = r));
        waiting.push(wake);
        await withDeadline(turn, waitMs, `${what} (waiting for other file-system work)`).catch((err: unknown) => {
          const i = waiting.indexOf(wake);
          if (i >= 0) waiting.splice(i, 1);
          else release(); // handed a slot just as the wait expired: pass it on
          throw err;
        });
      }
      const p = work();
      p.then(release, release);
      return p;
    },
  };
}

// Whether p exists (not following a last symlink), within ms.
export const existsWithin = (p: string, ms: number): Promise<boolean> =>
  withDeadline(lstat(p), ms, `reading ${p}`).then(
    () => true,
    (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)),
  );

// The real path of `p` even when its last levels do not exist yet: realpath of the nearest
// existing ancestor plus the rest, so a symlink anywhere above is seen through.
export async function resolveReal(
  p: string,
  deadline: number,
): Promise<{ real: string; existing: string; missing: string[] }> {
  const missing: string[] = [];
  for (let dir = p; ; dir = path.dirname(dir)) {
    const left = deadline - Date.now();
    const real = await withDeadline(realpath(dir), Math.max(left, 1), `resolving ${dir}`).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' && dir !== '/') return null;
        throw err;
      },
    );
    if (real !== null) return { real: path.join(real, ...missing), existing: real, missing };
    missing.unshift(path.basename(dir));
  }
}

// Creates the missing levels one by one (no recursive retry loop): at most maxLevels new
// directories, each with what is left of the deadline. Returns the directories created.
export async function mkdirLevels(p: string, opts: { maxLevels: number; deadline: number }): Promise<string[]> {
  const { existing, missing } = await resolveReal(p, opts.deadline);
  if (missing.length > opts.maxLevels)
    throw new Error(`would create ${missing.length} directory levels; at most ${opts.maxLevels} at once`);
  const created: string[] = [];
  let dir = existing;
  for (const name of missing) {
    dir = path.join(dir, name);
    await withDeadline(
      mkdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? undefined : Promise.reject(err))),
      Math.max(opts.deadline - Date.now(), 1),
      `creating ${dir}`,
    );
    created.push(dir);
  }
  return created;
}

export type WalkLimits = { maxDepth: number; maxEntries: number; budgetMs: number };
export const USAGE_LIMITS: WalkLimits = { maxDepth: 4, maxEntries: 50_000, budgetMs: 3_000 };

// Allocated bytes (st_blocks) of the files under dir, one call at a time (one thread), never
// following symlinks or crossing into another file system. `partial`: a limit was reached, so
// the total is "at least".
export async function boundedUsage(
  dir: string,
  limits: WalkLimits = USAGE_LIMITS,
): Promise<{ bytes: number; entries: number; partial: boolean }> {
  const end = Date.now() + limits.budgetMs;
  const root = await withDeadline(stat(dir), limits.budgetMs, `reading ${dir}`);
  let bytes = 0;
  let entries = 0;
  let partial = false;
  const pending: { dir: string; depth: number }[] = [{ dir, depth: 0 }];
  while (pending.length) {
    const next = pending.pop()!;
    const left = end - Date.now();
    if (left <= 0) return { bytes, entries, partial: true };
    const list = await withDeadline(readdir(next.dir, { withFileTypes: true }), left, `listing ${next.dir}`).catch(
      () => null,
    );
    if (!list) {
      partial = true;
      continue;
    }
    for (const e of list) {
      if (++entries > limits.maxEntries || Date.now() >= end) return { bytes, entries: entries - 1, partial: true };
      const p = path.join(next.dir, e.name);
      if (e.isDirectory()) {
        if (next.depth + 1 > limits.maxDepth) partial = true;
        else pending.push({ dir: p, depth: next.depth + 1 });
      } else if (e.isFile()) {
        const st = await withDeadline(lstat(p), Math.max(end - Date.now(), 1), `reading ${p}`).catch(() => null);
        if (st && st.dev === root.dev) bytes += st.blocks * 512;
      }
    }
  }
  return { bytes, entries, partial };
}
