// Backup operations behind the agent routes. Checks that can fail at once (no QEMU, no VM, a
// backup of that VM already running, a path that is not a backup file or lies outside the
// repository named) answer before the 202.
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { conflict, errorMessage, invalidInput, noSuchObject, repositoryUnavailable } from '@/lib/errors';
import { existsWithin, withDeadline } from '../fs-bounds';
import type { AgentRouteDeps } from '../route-kit';
import { rebase } from '../qemu/backup-img';
import { requireQemu } from '../qemu/context';
import { sha256File } from '../sha256-file';
import { finalizePartial, PARTIAL } from './files';
import { readManifest, rebaseManifest, removeManifest } from './manifest';
import type {
  BackupVmInput,
  RebaseBackupResult,
  VerifyBackupInput,
  VerifyBackupResult,
} from '@/lib/agent-protocol/backup';
import { FILE_CHECK_MS, type RepositoryGuard } from './repository';
import { takeBackup } from './take-backup';

type Deps = Pick<AgentRouteDeps, 'driver' | 'operations' | 'pools' | 'dirs'>;

export function createBackupService(deps: Deps, guard: RepositoryGuard) {
  const { operations } = deps;
  const running = new Set<string>(); // VM ids with a backup in progress
  const active = new Set<string>(); // .partial files being written by this agent
  const qemu = () => requireQemu(deps.driver, 'Backups');

  return {
    async backupVm(vmId: string, req: BackupVmInput) {
      const ctx = qemu();
      await ctx.vms.must(vmId);
      if (path.basename(req.targetDir) !== vmId)
        throw invalidInput({ targetDir: [`must be the VM's directory <repository>/${vmId}`] });
      await guard.assertRepositoryDir(path.dirname(req.targetDir), 'targetDir');
      if (req.parent) await guard.assertPointFiles([req.parent.path], () => 'parent.path'); // read as the backing file
      if (!(await existsWithin(path.dirname(req.targetDir), FILE_CHECK_MS)))
        throw repositoryUnavailable(
          path.dirname(req.targetDir),
          'the directory does not exist on this host (not mounted?)',
        );
      if (running.has(vmId)) throw conflict(`A backup of VM ${vmId} is already running`, { vmId });
      running.add(vmId);
      return operations.start('backup', `backup of VM ${vmId}`, (op) =>
        ctx.withLock(vmId, () => takeBackup(ctx, vmId, req, op, active)).finally(() => running.delete(vmId)),
      );
    },

    async verify(req: VerifyBackupInput) {
      const outside = req.files.findIndex((f) => !f.path.startsWith(req.repository + path.sep));
      if (outside >= 0)
        throw invalidInput({ [`files.${outside}.path`]: [`must be a file inside the repository ${req.repository}`] });
      await guard.assertPointFiles(
        req.files.map((f) => f.path),
        (i) => `files.${i}.path`,
        req.repository,
      );
      qemu();
      const total = req.files.length;
      return operations.start(
        'backup.verify',
        `verifying ${total} backup file(s)`,
        async (op): Promise<VerifyBackupResult> => {
          const files: VerifyBackupResult['files'] = [];
          for (const [i, f] of req.files.entries()) {
            op.report(i / total, `verifying ${path.basename(f.path)}`, { file: f.path, index: i, total });
            const m = await readManifest(f.path).then(
              (manifest) => ({ manifest, manifestError: null }),
              (err: unknown) => ({ manifest: null, manifestError: errorMessage(err) }),
            );
            try {
              const actual = await sha256File(f.path);
              files.push({
                path: f.path,
                ok: actual === f.sha256,
                actualSha256: actual,
                error: actual === f.sha256 ? null : 'SHA-256 differs from the registered one',
                ...m,
              });
            } catch (err) {
              const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
              files.push({
                path: f.path,
                ok: false,
                actualSha256: null,
                error: missing ? 'file is missing' : errorMessage(err),
                ...m,
              });
            }
          }
          return { files };
        },
      );
    },

    async delete(paths: string[]): Promise<{ deleted: string[] }> {
      await guard.assertPointFiles(paths, (i) => `paths.${i}`);
      const busy = paths.filter((p) => active.has(p.endsWith(PARTIAL) ? p : `${p}${PARTIAL}`));
      if (busy.length) throw conflict(`A backup is still writing ${busy.join(', ')}`, { paths: busy });
      const manifests: string[] = [];
      const gone: string[] = [];
      for (const p of paths) {
        await withDeadline(rm(p, { force: true }), FILE_CHECK_MS, `deleting ${p}`);
        const m = p.endsWith('.qcow2')
          ? await withDeadline(removeManifest(p), FILE_CHECK_MS, `deleting the manifest of ${p}`)
          : null;
        if (m) manifests.push(m);
        if (!(await existsWithin(p, FILE_CHECK_MS))) gone.push(p);
      }
      return { deleted: [...gone, ...manifests] };
    },

    // Safe rebase in place: qemu-img writes the clusters that differ between the old and the new
    // backing chain before switching the header, so an interrupted rebase leaves a file that still
    // reads the same through its old backing.
    async rebase(req: { path: string; backingPath: string | null }) {
      const ctx = qemu();
      await guard.assertPointFiles(req.backingPath ? [req.path, req.backingPath] : [req.path], (i) =>
        i ? 'backingPath' : 'path',
      );
      if (!(await existsWithin(req.path, FILE_CHECK_MS))) throw noSuchObject('backup file', req.path);
      if (req.backingPath && !(await existsWithin(req.backingPath, FILE_CHECK_MS)))
        throw noSuchObject('backup file', req.backingPath);
      return operations.start(
        'backup.rebase',
        `rebasing ${path.basename(req.path)}`,
        async (op): Promise<RebaseBackupResult> => {
          await rebase(ctx.qemuImg, req.path, req.backingPath, (f) => op.report(0.9 * f, 'rebasing'));
          op.report(0.9, 'computing SHA-256');
          // Hash + fsync; the "partial" is the file itself, renamed onto itself.
          const { sha256 } = await finalizePartial(req.path, req.path);
          const sums = { sha256, sizeBytes: (await stat(req.path)).size };
          return { ...sums, manifestUpdated: await rebaseManifest(req.path, req.backingPath, sums) };
        },
      );
    },

    repository: guard.check,
  };
}
