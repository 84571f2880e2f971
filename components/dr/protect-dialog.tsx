'use client';
import { useState, type FormEvent } from 'react';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import { SelectField, TextField } from '@/components/ui/form-field';
import { VmPicker } from '@/components/ui/vm-picker';
import type { DrJobDto, DrOverviewDto } from '@/lib/domain/dr/dto';
import type { VmDto } from '@/lib/domain/vms/dto';
import { createReplicationJobSchema, DR_LIMITS, drRpoTargetSec } from '@/lib/domain/dr/schemas';
import { numberInput } from '@/lib/forms/number-input';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useCreateDrJob } from '@/lib/queries/dr';
import { formatSec } from './dr-bits';
import { protectChoices, unprotectableReason } from './dr-rules';

const FORM_ID = 'dr-protect-form';

/** Protect a VM: replicate it to a host of another site every interval, keeping the newest points. */
export function ProtectDialog({ overview, onClose }: { overview: DrOverviewDto; onClose: () => void }) {
  const create = useCreateDrJob();
  const form = useSchemaForm(createReplicationJobSchema);
  const [created, setCreated] = useState<DrJobDto | null>(null);
  const [vm, setVm] = useState<VmDto | null>(null);
  const [values, setValues] = useState({
    targetHostId: '',
    intervalSec: String(DR_LIMITS.intervalSec.default),
    keepPoints: String(DR_LIMITS.keepPoints.default),
    rpoTargetSec: '',
  });
  const set = (key: keyof typeof values) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [key]: e.target.value }));
    form.clearError(key);
  };
  const chooseVm = (chosen: VmDto | null) => {
    setVm(chosen);
    setValues((v) => ({ ...v, targetHostId: '' }));
    form.clearError('vmId');
  };

  const { vmSite, targets, siteOf } = protectChoices(overview, vm);
  const interval = numberInput(values.intervalSec);
  const defaultRpo = Number.isFinite(interval) ? formatSec(drRpoTargetSec(interval)) : 'twice the interval';

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({
      vmId: vm?.id ?? '',
      targetHostId: values.targetHostId,
      intervalSec: interval,
      keepPoints: numberInput(values.keepPoints),
      rpoTargetSec: values.rpoTargetSec.trim() ? numberInput(values.rpoTargetSec) : undefined,
    });
    if (!input) return;
    create.mutate(input, { onSuccess: setCreated, onError: (err) => form.applyServerError(err) });
  }

  return (
    <FormStepDialog
      onClose={onClose}
      title="Protect a VM"
      description="Its disk is copied to a host of another site, then every interval the blocks changed since the last copy. The replica cannot be started until a failover."
      formId={FORM_ID}
      submitLabel="Protect"
      pending={create.isPending}
      done={created !== null}
      againLabel="Protect another"
      onAgain={() => {
        setCreated(null);
        chooseVm(null);
      }}
    >
      {created ? (
        <p className="text-sm text-slate-600" data-testid="dr-protected">
          <span className="font-medium text-slate-900">{created.vm.name}</span> is replicated to{' '}
          {created.replica.hostName} (site {created.replica.site}) every {formatSec(created.intervalSec)}. The first run
          copies the whole disk.
        </p>
      ) : (
        <form id={FORM_ID} onSubmit={onSubmit} noValidate className="space-y-4">
          {form.errors._form && (
            <p role="alert" className="text-sm text-red-700">
              {form.errors._form}
            </p>
          )}
          <VmPicker
            label="VM"
            value={vm}
            onSelect={chooseVm}
            error={form.errors.vmId}
            describe={(v) => `${v.hostName}, site ${siteOf.get(v.hostId) ?? '?'}`}
            disabledReason={(v) => unprotectableReason(overview, v)}
          />
          <SelectField
            label="Target host"
            name="targetHostId"
            value={values.targetHostId}
            onChange={set('targetHostId')}
            error={form.errors.targetHostId}
            disabled={!vm}
            hint={vm ? `Hosts outside site ${vmSite ?? '?'}` : 'Choose the VM first'}
          >
            <option value="">Choose a host…</option>
            {targets.map((h) => (
              <option key={h.id} value={h.id} disabled={Boolean(h.unfitReason)}>
                {h.name} — site {h.site}
                {h.unfitReason ? ` (${h.unfitReason})` : ''}
              </option>
            ))}
          </SelectField>
          <div className="grid grid-cols-3 gap-3">
            <TextField
              label="Interval (s)"
              type="number"
              name="intervalSec"
              min={DR_LIMITS.intervalSec.min}
              value={values.intervalSec}
              onChange={set('intervalSec')}
              error={form.errors.intervalSec}
            />
            <TextField
              label="Keep points"
              type="number"
              name="keepPoints"
              min={DR_LIMITS.keepPoints.min}
              value={values.keepPoints}
              onChange={set('keepPoints')}
              error={form.errors.keepPoints}
            />
            <TextField
              label="RPO target (s)"
              type="number"
              name="rpoTargetSec"
              min={DR_LIMITS.rpoTargetSec.min}
              placeholder={String(Number.isFinite(interval) ? drRpoTargetSec(interval) : '')}
              value={values.rpoTargetSec}
              onChange={set('rpoTargetSec')}
              error={form.errors.rpoTargetSec}
              hint={`Default ${defaultRpo}`}
            />
          </div>
        </form>
      )}
    </FormStepDialog>
  );
}
