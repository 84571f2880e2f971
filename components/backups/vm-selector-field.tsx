'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { inputClasses } from '@/components/ui/form-field';
import type { VmSelector } from '@/lib/domain/backups/dto';
import { cx } from '@/lib/cx';
import { vmQueries } from '@/lib/queries/vm-queries';

/** VMs by name (checkbox list) and/or by tag (a new VM with the tag is picked up by the next run). */
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
  const vms = useQuery(vmQueries.list());
  const [filter, setFilter] = useState('');
  const [newTag, setNewTag] = useState('');
  const all = vms.data ?? [];
  const knownTags = [...new Set([...all.flatMap((v) => v.tags), ...value.tags])].sort();
  const shown = all
    .filter((v) => v.name.toLowerCase().includes(filter.trim().toLowerCase()))
    .sort((a, b) => a.name.localeCompare(b.name));
  const toggle = <T,>(list: T[], x: T) => (list.includes(x) ? list.filter((y) => y !== x) : [...list, x]);
  const addTag = () => {
    const t = newTag.trim();
    if (t && !value.tags.includes(t)) onChange({ ...value, tags: [...value.tags, t] });
    setNewTag('');
  };
  const byTag = new Set(all.filter((v) => v.tags.some((t) => value.tags.includes(t))).map((v) => v.id));

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
            {vms.isPending && <p className="text-xs text-slate-500">Loading VMs…</p>}
            {!vms.isPending && all.length === 0 && (
              <p className="text-xs text-slate-500">No VMs yet; select by tag to pick them up later.</p>
            )}
            {shown.map((v) => (
              <label key={v.id} className="flex items-center gap-2 rounded px-1 py-0.5 text-sm hover:bg-slate-50">
                <input
                  type="checkbox"
                  checked={value.vmIds.includes(v.id)}
                  className="size-3.5 accent-accent-600"
                  onChange={() => onChange({ ...value, vmIds: toggle(value.vmIds, v.id) })}
                />
                <span className="truncate text-slate-800">{v.name}</span>
                {byTag.has(v.id) && !value.vmIds.includes(v.id) && (
                  <span className="text-[11px] text-slate-500">(by tag)</span>
                )}
              </label>
            ))}
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
            {byTag.size} VM{byTag.size === 1 ? '' : 's'} carry these tags now; {tagNote}.
          </p>
        </div>
      </div>
      {error && <p className="mt-1 text-xs text-red-600">{error}</p>}
    </fieldset>
  );
}
