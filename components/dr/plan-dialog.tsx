'use client';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { inputClasses, TextField } from '@/components/ui/form-field';
import type { DrJobDto, FailoverPlanDto } from '@/lib/domain/dr/dto';
import { createFailoverPlanSchema, PLAN_LIMITS } from '@/lib/domain/dr/schemas';
import { numberInput } from '@/lib/forms/number-input';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useSaveFailoverPlan } from '@/lib/queries/dr';

const FORM_ID = 'dr-plan-form';

type Row = { vmId: string; name: string; site: string; included: boolean; order: string };

// Every protected VM is a candidate; a plan's members come first with their order, the rest off.
function initialRows(jobs: DrJobDto[], plan: FailoverPlanDto | null): Row[] {
  const members = new Map((plan?.members ?? []).map((m) => [m.vmId, m.order]));
  return jobs
    .map((j) => ({
      vmId: j.vm.id,
      name: j.vm.name,
      site: `${j.vm.site} → ${j.replica.site}`,
      included: members.has(j.vm.id),
      order: String(members.get(j.vm.id) ?? 1),
    }))
    .sort((a, b) => Number(b.included) - Number(a.included) || a.name.localeCompare(b.name));
}

/** Create or edit a failover plan: a name and protected VMs with a boot order (lower first). */
export function PlanDialog({
  jobs,
  plan,
  onClose,
}: {
  jobs: DrJobDto[];
  plan: FailoverPlanDto | null;
  onClose: () => void;
}) {
  const save = useSaveFailoverPlan(plan?.id ?? null);
  const form = useSchemaForm(createFailoverPlanSchema);
  const [name, setName] = useState(plan?.name ?? '');
  const [rows, setRows] = useState(() => initialRows(jobs, plan));
  const change = (vmId: string, patch: Partial<Row>) => {
    setRows((rs) => rs.map((r) => (r.vmId === vmId ? { ...r, ...patch } : r)));
    form.clearError('members');
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({
      name,
      members: rows.filter((r) => r.included).map((r) => ({ vmId: r.vmId, order: numberInput(r.order) })),
    });
    if (!input) return;
    save.mutate(input, { onSuccess: onClose, onError: (err) => form.applyServerError(err) });
  }

  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title={plan ? `Edit plan ${plan.name}` : 'New failover plan'}
      description="VMs failed over together. Lower boot orders start first; VMs with the same order start in parallel, and the next group waits until their guests are ready."
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={FORM_ID} variant="primary" loading={save.isPending}>
            {plan ? 'Save plan' : 'Create plan'}
          </Button>
        </>
      }
    >
      <form id={FORM_ID} onSubmit={onSubmit} noValidate className="space-y-4">
        {form.errors._form && (
          <p role="alert" className="text-sm text-red-700">
            {form.errors._form}
          </p>
        )}
        <TextField
          label="Name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            form.clearError('name');
          }}
          error={form.errors.name}
          maxLength={80}
          autoComplete="off"
        />
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-slate-700">Members (protected VMs)</legend>
          {rows.length === 0 ? (
            <p className="text-sm text-slate-500">No VM is protected yet: protect VMs first.</p>
          ) : (
            <ul className="divide-y divide-slate-100 rounded-md border border-slate-200" data-testid="dr-plan-members">
              {rows.map((r) => (
                <li key={r.vmId} className="flex items-center gap-3 px-3 py-2">
                  <label className="flex min-w-0 flex-1 cursor-pointer items-center gap-2 text-sm">
                    <input
                      type="checkbox"
                      checked={r.included}
                      onChange={(e) => change(r.vmId, { included: e.target.checked })}
                    />
                    <span className="truncate font-medium text-slate-800">{r.name}</span>
                    <span className="text-xs whitespace-nowrap text-slate-500">{r.site}</span>
                  </label>
                  <label className="flex items-center gap-2 text-xs text-slate-600">
                    Boot order
                    <input
                      type="number"
                      min={0}
                      max={PLAN_LIMITS.order}
                      value={r.order}
                      disabled={!r.included}
                      aria-label={`Boot order of ${r.name}`}
                      onChange={(e) => change(r.vmId, { order: e.target.value })}
                      className={inputClasses(false, 'w-20 tabular-nums')}
                    />
                  </label>
                </li>
              ))}
            </ul>
          )}
          {form.errors.members && (
            <p role="alert" className="mt-1 text-xs text-red-600">
              {form.errors.members}
            </p>
          )}
        </fieldset>
      </form>
    </Dialog>
  );
}
