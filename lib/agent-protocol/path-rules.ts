// Where a backup repository may live (docs/ARCHITECTURE.md, "Repository rules"). Pure, so the
// dashboard (registration, and its form in the browser: no node modules) and the agent (check,
// file operations) apply the very same rules.

// The host's own trees: refused, with everything inside them, and so is any directory holding one
// (`/`, `/var`). /var/lib holds package and service state; deeper /var dirs (/var/backups) are fine.
export const SYSTEM_TREES = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/boot',
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/var/lib',
  '/var/run',
  '/var/lock',
  '/root',
  '/lost+found',
] as const;
// Directories shared by every user or mount point parents: refused as such, a directory inside
// them is fine (tests and throwaway setups use /tmp/<dir>).
export const SHARED_DIRS = ['/tmp', '/var/tmp', '/home', '/mnt', '/media', '/srv', '/opt'] as const;

// A directory the repository must not overlap, described for the refusal message.
export type Reserved = { what: string; path: string };

export const isWithin = (child: string, parent: string) =>
  child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);

// Absolute, no NUL, no ".." (a path is used as typed or not at all), normalised, no trailing "/".
export function normaliseRepositoryPath(input: string): { path: string } | { reason: string } {
  if (!input.startsWith('/')) return { reason: 'must be an absolute path (starting with /)' };
  if (input.includes('\0')) return { reason: 'must not contain NUL characters' };
  if (input.split('/').includes('..')) return { reason: 'must not contain ".." segments: give the directory itself' };
  // What path.posix.normalize does once ".." is out: drop empty and "." segments.
  return {
    path: `/${input
      .split('/')
      .filter((s) => s !== '' && s !== '.')
      .join('/')}`,
  };
}

export function systemTreeReason(p: string): string | null {
  const tree = SYSTEM_TREES.find((t) => isWithin(p, t));
  if (tree) return `${p} is ${p === tree ? '' : 'inside '}${tree}, a system directory`;
  const held = SYSTEM_TREES.find((t) => isWithin(t, p));
  if (held) return `${p} contains the system directory ${held}`;
  if ((SHARED_DIRS as readonly string[]).includes(p))
    return `${p} is shared by the whole system; use a directory inside it`;
  return null;
}

// "is / inside" wins over "contains": the data dir holding the local pool is named as the data dir.
export function overlapReason(p: string, reserved: readonly Reserved[]): string | null {
  const inside = reserved.find((r) => isWithin(p, r.path));
  if (inside) return `${p} is ${p === inside.path ? '' : 'inside '}${inside.what} (${inside.path})`;
  const holds = reserved.find((r) => isWithin(r.path, p));
  return holds ? `${p} contains ${holds.what} (${holds.path})` : null;
}

// Every rule at once: the first reason a path cannot be a repository, or null.
export function repositoryPathReason(p: string, reserved: readonly Reserved[] = []): string | null {
  const n = normaliseRepositoryPath(p);
  if ('reason' in n) return `${p} ${n.reason}`;
  return systemTreeReason(n.path) ?? overlapReason(n.path, reserved);
}
