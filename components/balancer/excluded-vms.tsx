'use client';
import { XIcon } from '@/components/ui/icons';
import { VmPicker } from '@/components/ui/vm-picker';
import { useVmsById } from '@/lib/queries/use-vms-by-id';

/** VMs the balancer never moves: chips plus a picker of the others. */
export function ExcludedVms({
  value,
  onChange,
  error,
}: {
  value: string[];
  onChange: (ids: string[]) => void;
  error?: string;
}) {
  const { vms } = useVmsById(value);
  const name = (id: string) => vms.get(id)?.name ?? id;
  return (
    <div className="space-y-1.5">
      <VmPicker
        label="Excluded VMs"
        value={null}
        placeholder="Add a VM to exclude…"
        hint="Never moved by the balancer (maintenance still moves them)."
        error={error}
        describe={(v) => v.hostName}
        disabledReason={(v) => (value.includes(v.id) ? 'Excluded already' : null)}
        onSelect={(v) => onChange([...value, v.id])}
      />
      {value.length > 0 && (
        <ul className="flex flex-wrap gap-1.5" aria-label="Excluded VMs">
          {value.map((id) => (
            <li
              key={id}
              className="inline-flex items-center gap-1 rounded bg-slate-100 py-0.5 pr-0.5 pl-2 text-xs text-slate-700"
            >
              {name(id)}
              <button
                type="button"
                aria-label={`Stop excluding ${name(id)}`}
                onClick={() => onChange(value.filter((x) => x !== id))}
                className="rounded p-0.5 text-slate-500 hover:bg-slate-200 hover:text-slate-700"
              >
                <XIcon width={12} height={12} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
