'use client';
import { useQuery } from '@tanstack/react-query';
import { useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { VmDto } from '@/lib/domain/vms/dto';
import { VM_SEARCHABLE } from '@/lib/domain/vms/schemas';
import { cx } from '@/lib/cx';
import { useDebounced } from '@/lib/hooks/use-debounced';
import { vmQueries, type VmListFilters } from '@/lib/queries/vm-queries';
import { FormField, inputClasses } from './form-field';

const MATCHES = 20;

type VmPickerProps = {
  label: string;
  /** The chosen VM, shown while the user is not typing; null: none (or a picker that adds to a list). */
  value: VmDto | null;
  onSelect: (vm: VmDto) => void;
  error?: string;
  hint?: ReactNode;
  placeholder?: string;
  /** Server-side narrowing of the matches (a host, a site). */
  filters?: VmListFilters;
  /** Text after the name in an option, e.g. its host. */
  describe?: (vm: VmDto) => string;
  /** Why a match cannot be chosen (shown, the option disabled), or null. */
  disabledReason?: (vm: VmDto) => string | null;
};

/**
 * A VM by name among any number: a combobox whose options are the server's first matches of what
 * is typed (GET /api/vms?q=&limit=20), never the whole fleet.
 */
export function VmPicker(props: VmPickerProps) {
  const { label, error, hint } = props;
  return (
    <FormField label={label} error={error} hint={hint}>
      {(a) => <VmCombobox {...props} field={a} />}
    </FormField>
  );
}

function VmCombobox({
  label,
  value,
  onSelect,
  error,
  placeholder = 'Type a VM name…',
  filters,
  describe,
  disabledReason,
  field,
}: VmPickerProps & { field: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string } }) {
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState<string | null>(null); // null: not typing, the value's name shows
  const [active, setActive] = useState(0);
  const q = useDebounced((typed ?? '').trim().toLowerCase());
  const searchable = VM_SEARCHABLE.test(q); // else the server answers 422: no VM could match
  const matches = useQuery({
    ...vmQueries.page({ ...filters, q, limit: MATCHES }),
    enabled: open && searchable,
  });
  const options = searchable ? (matches.data?.items ?? []) : [];
  const reason = (vm: VmDto) => disabledReason?.(vm) ?? null;

  const close = () => {
    setOpen(false);
    setTyped(null);
  };
  const choose = (vm: VmDto | undefined) => {
    if (!vm || reason(vm)) return;
    onSelect(vm);
    close();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      const step = e.key === 'ArrowDown' ? 1 : -1;
      if (options.length) setActive((i) => (i + step + options.length) % options.length);
    } else if (e.key === 'Enter' && open) {
      e.preventDefault(); // choosing is not submitting the form
      choose(options[active]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault(); // closes the list, not the <dialog> around it (its cancel)
      close();
    }
  };

  const optionId = (i: number) => `${listId}-${i}`;
  const status = !searchable
    ? 'No VM is named like that: names have letters, digits and dashes'
    : matches.isPending
      ? 'Searching…'
      : options.length === 0
        ? 'No VM matches'
        : matches.data?.nextCursor
          ? `The first ${options.length} matches: type more of the name to narrow them`
          : null;

  return (
    <div>
      <input
        {...field}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={open && options.length ? listId : undefined}
        aria-activedescendant={open && options[active] ? optionId(active) : undefined}
        placeholder={placeholder}
        value={typed ?? value?.name ?? ''}
        onChange={(e) => {
          setTyped(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onClick={() => setOpen(true)}
        onBlur={close}
        onKeyDown={onKeyDown}
        className={inputClasses(Boolean(error), 'pr-8')}
      />
      {open && (
        <div className="mt-1 overflow-hidden rounded-md border border-slate-200 bg-white shadow-sm">
          {options.length > 0 && (
            <ul id={listId} role="listbox" aria-label={`${label}: matches`} className="max-h-56 overflow-y-auto py-1">
              {options.map((vm, i) => {
                const why = reason(vm);
                return (
                  <li
                    key={vm.id}
                    id={optionId(i)}
                    role="option"
                    aria-selected={i === active}
                    aria-disabled={why ? true : undefined}
                    // Before the input's blur, which would close the list first.
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => choose(vm)}
                    onMouseEnter={() => setActive(i)}
                    className={cx(
                      'px-2.5 py-1 text-sm',
                      i === active && 'bg-slate-100',
                      why ? 'cursor-not-allowed text-slate-500' : 'cursor-pointer text-slate-900',
                    )}
                  >
                    <span className="font-medium">{vm.name}</span>
                    {describe && <span className="text-slate-600"> — {describe(vm)}</span>}
                    {why && <span className="block text-xs text-slate-500">{why}</span>}
                  </li>
                );
              })}
            </ul>
          )}
          {status && (
            <p role="status" className="border-t border-slate-100 px-2.5 py-1 text-xs text-slate-500">
              {status}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
