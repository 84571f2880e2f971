'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import type { BackupRepositoryDto } from '@/lib/domain/backups/dto';
import type { DeleteRepositoryQuery } from '@/lib/domain/backups/schemas';
import { formatBytes } from '@/lib/format';
import { useDeleteRepository } from '@/lib/queries/backup-mutations';
import { TypeToConfirmField } from '@/components/ui/type-to-confirm-field';

type Mode = NonNullable<DeleteRepositoryQuery['mode']>;

// Remove a repository (admin). Jobs still using it block removal; restore points in it need a
// choice: delete their files too, or only unregister them. Deleting files asks for the name.
export function RepositoryRowActions({ repository: r }: { repository: BackupRepositoryDto }) {
  const perm = usePermission('repository.manage');
  const remove = useDeleteRepository();
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<Mode>('keepFiles');
  const [typed, setTyped] = useState('');
  const blocked =
    r.jobCount > 0
      ? `Used by ${r.jobCount} job${r.jobCount === 1 ? '' : 's'}: delete them or move them to another repository first`
      : null;
  const points = `${r.pointCount} restore point${r.pointCount === 1 ? '' : 's'} (${formatBytes(r.pointBytes)})`;
  const ready = r.pointCount === 0 || mode === 'keepFiles' || typed === r.name;
  const close = () => {
    setOpen(false);
    setTyped('');
    setMode('keepFiles');
  };
  const confirm = () =>
    ready && remove.mutate({ repositoryId: r.id, mode: r.pointCount ? mode : undefined }, { onSuccess: close });

  return (
    <div className="flex justify-end">
      <Button
        size="sm"
        variant="ghost"
        disabled={!perm.allowed || Boolean(blocked)}
        disabledReason={perm.reason ?? blocked}
        aria-label={`Remove ${r.name}`}
        className="text-red-700 hover:bg-red-50 hover:text-red-800"
        onClick={() => setOpen(true)}
      >
        Remove
      </Button>
      <Dialog
        open={open}
        onClose={close}
        title={`Remove repository ${r.name}?`}
        description={
          r.pointCount
            ? `It holds ${points} in ${r.path}.`
            : `It holds no restore points. The directory ${r.path} is left as it is.`
        }
        footer={
          <>
            <Button onClick={close}>Cancel</Button>
            <Button variant="danger" disabled={!ready} loading={remove.isPending} onClick={confirm}>
              {r.pointCount && mode === 'deletePoints'
                ? `Delete ${r.pointCount} point${r.pointCount === 1 ? '' : 's'} and remove`
                : 'Remove repository'}
            </Button>
          </>
        }
      >
        {r.pointCount > 0 && (
          <form
            className="space-y-3 text-sm"
            onSubmit={(e) => {
              e.preventDefault();
              confirm();
            }}
          >
            <fieldset className="space-y-2">
              <legend className="sr-only">What happens to its restore points</legend>
              <label className="flex gap-2">
                <input
                  type="radio"
                  name="mode"
                  value="keepFiles"
                  checked={mode === 'keepFiles'}
                  onChange={() => setMode('keepFiles')}
                  className="mt-0.5 accent-accent-600"
                />
                <span>
                  <span className="font-medium text-slate-900">Keep the files</span>: unregister the {points}; the files
                  stay in {r.path} (the audit log lists where).
                </span>
              </label>
              <label className="flex gap-2">
                <input
                  type="radio"
                  name="mode"
                  value="deletePoints"
                  checked={mode === 'deletePoints'}
                  onChange={() => setMode('deletePoints')}
                  className="mt-0.5 accent-accent-600"
                />
                <span>
                  <span className="font-medium text-slate-900">Delete the files</span>: delete the {points}, newest
                  first. They cannot be restored afterwards.
                </span>
              </label>
            </fieldset>
            {mode === 'deletePoints' && (
              <TypeToConfirmField word={r.name} value={typed} onChange={(e) => setTyped(e.target.value)} />
            )}
          </form>
        )}
      </Dialog>
    </div>
  );
}
