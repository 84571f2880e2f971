'use client';
import { useState, type FormEvent } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { Switch, TextField } from '@/components/ui/form-field';
import { SaveBar } from '@/components/ui/save-bar';
import { useToast } from '@/components/ui/toast';
import { cx } from '@/lib/cx';
import { HA_ADMISSION_MODES, type HaAdmissionMode, type HaHostDto, type HaPolicyDto } from '@/lib/domain/ha/dto';
import { haPolicySchema } from '@/lib/domain/ha/schemas';
import { formatDateTime } from '@/lib/format';
import { numberInput } from '@/lib/forms/number-input';
import { fieldErrors } from '@/lib/http/validation';
import { isApiError } from '@/lib/queries/api-fetch';
import { useUpdateHaPolicy } from '@/lib/queries/ha';
import { ADMISSION_TEXT } from './ha-bits';

type Errors = Record<string, string[]>;

function FailoverHosts({
  hosts,
  value,
  onChange,
  error,
}: {
  hosts: HaHostDto[];
  value: string[];
  onChange: (ids: string[]) => void;
  error?: string;
}) {
  return (
    <fieldset className="mt-2 ml-6">
      <legend className="mb-1 text-xs font-medium text-slate-700">Failover hosts (kept empty)</legend>
      <div className="flex flex-wrap gap-x-4 gap-y-1">
        {hosts.map((h) => (
          <label key={h.hostId} className="flex items-center gap-1.5 text-sm text-slate-800">
            <input
              type="checkbox"
              checked={value.includes(h.hostId)}
              className="accent-accent-600"
              onChange={(e) =>
                onChange(e.target.checked ? [...value, h.hostId] : value.filter((id) => id !== h.hostId))
              }
            />
            {h.hostName}
          </label>
        ))}
      </div>
      {error && <p className="mt-1 text-xs text-red-600">{error}</p>}
    </fieldset>
  );
}

/** The cluster HA policy (admins): on/off, admission control, the memory-error threshold. */
export function HaPolicyForm({ policy, hosts }: { policy: HaPolicyDto; hosts: HaHostDto[] }) {
  const { toast } = useToast();
  const permission = usePermission('ha.manage');
  const save = useUpdateHaPolicy();
  const [enabled, setEnabled] = useState(policy.enabled);
  const [admission, setAdmission] = useState<HaAdmissionMode>(policy.admission);
  const [tolerate, setTolerate] = useState(String(policy.hostFailuresToTolerate));
  const [failoverHostIds, setFailoverHostIds] = useState(policy.failoverHostIds);
  const [edac, setEdac] = useState(String(policy.edacThreshold));
  const [errors, setErrors] = useState<Errors>({});

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const values = {
      enabled,
      admission,
      hostFailuresToTolerate: numberInput(tolerate),
      failoverHostIds,
      edacThreshold: numberInput(edac),
    };
    const parsed = haPolicySchema.safeParse(values);
    if (!parsed.success) return setErrors(fieldErrors(parsed.error));
    setErrors({});
    save.mutate(parsed.data, {
      onSuccess: () =>
        toast({
          tone: 'success',
          title: 'HA policy saved',
          description: parsed.data.enabled ? ADMISSION_TEXT[parsed.data.admission].label : 'HA is off.',
        }),
      onError: (err) => {
        if (isApiError(err, 422)) setErrors(err.fields);
      },
    });
  }

  const dirty =
    enabled !== policy.enabled ||
    admission !== policy.admission ||
    tolerate !== String(policy.hostFailuresToTolerate) ||
    edac !== String(policy.edacThreshold) ||
    JSON.stringify(failoverHostIds) !== JSON.stringify(policy.failoverHostIds);
  const invalid = Object.keys(errors).length > 0;
  return (
    <Card>
      <CardHeader
        title="Policy"
        description={policy.updatedAt ? `Last changed ${formatDateTime(policy.updatedAt)}` : 'Defaults, never changed'}
      />
      <form onSubmit={onSubmit} noValidate aria-label="HA policy">
        {/* Everyone may read the policy; only admins may change it (a disabled fieldset disables its controls). */}
        <fieldset disabled={!permission.allowed} className="min-w-0">
          <CardBody className="space-y-4">
            {errors._ && (
              <p role="alert" className="text-sm text-red-700">
                {errors._.join(' ')}
              </p>
            )}
            <Switch
              label="Restart VMs of failed hosts"
              checked={enabled}
              onChange={setEnabled}
              description="Off: failures are still detected and shown, and VMs can be restarted by hand."
            />
            <fieldset>
              <legend className="mb-1 text-xs font-medium text-slate-700">Admission control</legend>
              <div className="divide-y divide-slate-200 overflow-hidden rounded-md border border-slate-200">
                {HA_ADMISSION_MODES.map((m) => (
                  <div
                    key={m}
                    className={cx(
                      'px-3 py-2 text-sm transition-colors',
                      admission === m ? 'bg-accent-50' : 'hover:bg-slate-50',
                    )}
                  >
                    <label className="flex cursor-pointer items-start gap-2.5">
                      <input
                        type="radio"
                        name="admission"
                        value={m}
                        checked={admission === m}
                        onChange={() => setAdmission(m)}
                        className="mt-1 accent-accent-600"
                      />
                      <span>
                        <span className="block font-medium text-slate-900">{ADMISSION_TEXT[m].label}</span>
                        <span className="block text-xs text-slate-600">{ADMISSION_TEXT[m].description}</span>
                      </span>
                    </label>
                    {m === 'tolerate' && admission === m && (
                      <TextField
                        className="mt-2 ml-6 w-56"
                        label="Host failures to tolerate"
                        type="number"
                        name="hostFailuresToTolerate"
                        min={1}
                        value={tolerate}
                        onChange={(e) => setTolerate(e.target.value)}
                        error={errors.hostFailuresToTolerate?.[0]}
                      />
                    )}
                    {m === 'failover-hosts' && admission === m && (
                      <FailoverHosts
                        hosts={hosts}
                        value={failoverHostIds}
                        onChange={setFailoverHostIds}
                        error={errors.failoverHostIds?.[0]}
                      />
                    )}
                  </div>
                ))}
              </div>
            </fieldset>
            <TextField
              className="w-72"
              label="Memory error threshold"
              type="number"
              name="edacThreshold"
              min={1}
              value={edac}
              onChange={(e) => setEdac(e.target.value)}
              error={errors.edacThreshold?.[0]}
              hint="Corrected memory errors (EDAC) after which a host is degraded and its VMs live-migrated away."
            />
          </CardBody>
        </fieldset>
        <SaveBar label="Save policy" invalid={invalid} dirty={dirty} saving={save.isPending} permission={permission} />
      </form>
    </Card>
  );
}
