'use client';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { RestorePointDto } from '@/lib/domain/backups/dto';
import { formatDateTime } from '@/lib/format';
import { chainEffect } from './delete-point-effect';

export function DeletePointDialog({
  point,
  points,
  pending,
  onCancel,
  onConfirm,
}: {
  point: RestorePointDto;
  points: RestorePointDto[];
  pending: boolean;
  onCancel: () => void;
  onConfirm: (merge: boolean) => void;
}) {
  const { dependants, text } = chainEffect(point, points);
  return (
    <ConfirmDialog
      open
      title={`Delete the restore point of ${formatDateTime(point.takenAt)}?`}
      pending={pending}
      description={<span data-testid="delete-point-effect">{text} The deletion is audited and cannot be undone.</span>}
      confirmLabel={dependants.length ? 'Merge and delete' : 'Delete point'}
      onCancel={onCancel}
      onConfirm={() => onConfirm(dependants.length > 0)}
    />
  );
}
