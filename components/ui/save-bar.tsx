import { Button } from '@/components/ui/button';
import { cx } from '@/lib/cx';

/** The footer of a settings form: what blocks or awaits saving, and the save button. */
export function SaveBar({
  label,
  invalid,
  dirty,
  saving,
  permission,
}: {
  label: string;
  invalid: boolean;
  dirty: boolean;
  saving: boolean;
  permission: { allowed: boolean; reason: string | null };
}) {
  return (
    <div className="flex items-center justify-end gap-3 border-t border-slate-100 bg-slate-50/60 px-4 py-3">
      {(invalid || dirty || permission.reason) && (
        <span className={cx('mr-auto text-xs', invalid ? 'text-red-700' : 'text-slate-500')}>
          {invalid ? 'Not saved: fix the fields marked in red.' : dirty ? 'Unsaved changes' : `${permission.reason}.`}
        </span>
      )}
      <Button
        type="submit"
        variant="primary"
        loading={saving}
        disabled={!permission.allowed}
        disabledReason={permission.reason}
      >
        {label}
      </Button>
    </div>
  );
}
