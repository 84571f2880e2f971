'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { inputClasses } from '@/components/ui/form-field';
import type { VmSelector } from '@/lib/domain/backups/dto';
import type { VmDto } from '@/lib/domain/vms/dto';
import { VM_SEARCHABLE } from '@/lib/domain/vms/schemas';
import { cx } from '@/lib/cx';
import { useDebounced } from '@/lib/hooks/use-debounced';
import { useVmsById } from '@/lib/queries/use-vms-by-id';
import { vmQueries } from '@/lib/queries/vm-queries';

const MATCHES = 50;

/**
 * VMs by name (checkboxes: the chosen ones and the server's matches of the filter, never the whole
 * fleet) and/or by tag (a new VM with the tag is picked up by the next run).
 */
export function VmSelectorField({
  value,
  onChange,
  error,
  legend = 'VMs to back up',
  tagNote = 'new ones are picked up by the next run',
}: {
  value: VmSelector;
  onChange: (v: VmSelector) => void;
  error?: string;
  legend?: string; // what the chosen VMs are for
  tagNote?: string; // what happens to VMs that get a chosen tag later
}) {
  const [filter, setFilter] = useState('');
  const [newTag, setNewTag] = useState('');
  const q = useDebounced(filter.trim().toLowerCase());
  const searchable = VM_SEARCHABLE.test(q);
  const matches = useQuery({ ...vmQueries.page({ q, limit: MATCHES }), enabled: searchable });
  const chosen = useVmsById(value.vmIds);
  const tagsInUse = useQuery(vmQueries.tags());
  const tagged = useQuery({ ...vmQueries.count({ tags: value.tags }), enabled: value.tags.length > 0 });
  const knownTags = [...new Set([...(tagsInUse.data ?? []).map((t) => t.tag), ...value.tags])].sort();
  // The chosen VMs first, whatever the filter (so each can be unticked), then the server's matches.
  const shown: Pick<VmDto, 'id' | 'name' | 'tags'>[] = [
    ...value.vmIds.map((id) => chosen.vms.get(id) ?? { id, name: id, tags: [] }),
    ...(searchable ? (matches.data?.items ?? []) : []).filter((v) => !value.vmIds.includes(v.id)),
  ];
  const toggle = <T,>(list: T[], x: T) => (list.includes(x) ? list.filter((y) => y !== x) : [...list, x]);
  const addTag = () => {
    const t = newTag.trim();
    if (t && !value.tags.includes(t)) onChange({ ...value, tags: [...value.tags, t] });
    setNewTag('');
  };
  const byTag = (v: Pick<VmDto, 'tags'>) => v.tags.some((t) => value.tags.includes(t));
  const byTagCount = value.tags.length ? (tagged.data ?? 0) : 0;
  const status = !searchable
    ? 'No VM is named like that'
    : matches.isPending
      ? 'Loading VMs…'
      : matches.data?.items.length === 0
        ? q
          ? 'No VM matches'
          : 'No VMs yet; select by tag to pick them up later.'
        : matches.data?.nextCursor
          ? `The first ${MATCHES} matches: type more of the name`
          : null;

  return (
    <fieldset className="col-span-2" aria-invalid={error ? true : undefined}>
      <legend className="mb-1 block text-xs font-medium text-slate-700">{legend}</legend>
      <div
        className={cx('grid grid-cols-2 gap-3 rounded-md border p-2.5', error ? 'border-red-400' : 'border-slate-300')}
      >
        <div>
          <p className="mb-1 text-[11px] font-medium tracking-wide text-slate-500 uppercase">
            By name ({value.vmIds.length})
          </p>
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="Filter VMs…"
            aria-label="Filter VMs"
            className={inputClasses(false, 'mb-1.5 py-1 text-xs')}
          />
          <div className="max-h-32 space-y-0.5 overflow-y-auto pr-1">
            {shown.map((v) => (
              <label key={v.id} className="flex items-center gap-2 rounded px-1 py-0.5 text-sm hover:bg-slate-50">
                <input
                  type="checkbox"
                  checked={value.vmIds.includes(v.id)}
                  className="size-3.5 accent-accent-600"
                  onChange={() => onChange({ ...value, vmIds: toggle(value.vmIds, v.id) })}
                />
                <span className="truncate text-slate-800">{v.name}</span>
                {byTag(v) && !value.vmIds.includes(v.id) && (
                  <span className="text-[11px] text-slate-500">(by tag)</span>
                )}
              </label>
            ))}
            {status && <p className="text-xs text-slate-500">{status}</p>}
          </div>
        </div>
        <div>
          <p className="mb-1 text-[11px] font-medium tracking-wide text-slate-500 uppercase">
            By tag ({value.tags.length})
          </p>
          <div className="mb-1.5 flex gap-1.5">
            <input
              value={newTag}
              onChange={(e) => setNewTag(e.target.value)}
              placeholder="Add a tag…"
              aria-label="Add a tag"
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  addTag();
                }
              }}
              className={inputClasses(false, 'py-1 text-xs')}
            />
          </div>
          <div className="flex flex-wrap gap-1">
            {knownTags.length === 0 && <p className="text-xs text-slate-500">No tags in use yet.</p>}
            {knownTags.map((t) => {
              const on = value.tags.includes(t);
              return (
                <button
                  key={t}
                  type="button"
                  aria-pressed={on}
                  onClick={() => onChange({ ...value, tags: toggle(value.tags, t) })}
                  className={cx(
                    'rounded px-1.5 py-0.5 font-mono text-[11px] ring-1 ring-inset',
                    on
                      ? 'bg-accent-600 text-white ring-accent-600'
                      : 'bg-slate-50 text-slate-600 ring-slate-200 hover:bg-slate-100',
                  )}
                >
                  {t}
                </button>
              );
            })}
          </div>
          <p className="mt-2 text-[11px] text-slate-500">
            {byTagCount} VM{byTagCount === 1 ? '' : 's'} carry these tags now; {tagNote}.
          </p>
        </div>
      </div>
      {error && <p className="mt-1 text-xs text-red-600">{error}</p>}
    </fieldset>
  );
}
