'use client';
import { useQuery } from '@tanstack/react-query';
import { FormField, inputClasses } from '@/components/ui/form-field';
import { XIcon } from '@/components/ui/icons';
import { vmQueries } from '@/lib/queries/vm-queries';

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
  const { data: vms } = useQuery(vmQueries.list());
  const name = (id: string) => vms?.find((v) => v.id === id)?.name ?? id;
  const others = (vms ?? []).filter((v) => !value.includes(v.id)).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <FormField label="Excluded VMs" error={error} hint="Never moved by the balancer (maintenance still moves them).">
      {(a) => (
        <div className="space-y-1.5">
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
          <select
            {...a}
            value=""
            onChange={(e) => e.target.value && onChange([...value, e.target.value])}
            className={inputClasses(Boolean(error), 'pr-8')}
          >
            <option value="">{others.length ? 'Add a VM to exclude…' : 'No other VMs'}</option>
            {others.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name} ({v.hostName})
              </option>
            ))}
          </select>
        </div>
      )}
    </FormField>
  );
}
