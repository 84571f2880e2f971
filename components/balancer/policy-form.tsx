'use client';
import { useState, type FormEvent } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { TextField } from '@/components/ui/form-field';
import { SaveBar } from '@/components/ui/save-bar';
import { useToast } from '@/components/ui/toast';
import { cx } from '@/lib/cx';
import { BALANCER_MODES, type BalancerMode, type PolicyDto, type RuleDto } from '@/lib/domain/balancer/dto';
import { balancerPolicySchema } from '@/lib/domain/balancer/schemas';
import { formatDateTime } from '@/lib/format';
import { numberInput } from '@/lib/forms/number-input';
import { fieldErrors } from '@/lib/http/validation';
import { isApiError } from '@/lib/queries/api-fetch';
import { useSavePolicy } from '@/lib/queries/balancer';
import { MODE_TEXT } from './balancer-bits';
import { ExcludedVms } from './excluded-vms';
import { RulesEditor } from './rules-editor';

type Errors = Record<string, string[]>;
const NUMBER_FIELDS = ['intervalSec', 'cpuThresholdPct', 'memThresholdPct', 'maxConcurrent', 'cooldownMin'] as const;
type NumberField = (typeof NUMBER_FIELDS)[number];

const LABELS: Record<NumberField, { label: string; hint: string }> = {
  intervalSec: { label: 'Interval (seconds)', hint: 'How often scheduled runs happen' },
  cpuThresholdPct: {
    label: 'CPU threshold (%)',
    hint: 'Hosts above it are drained first; moves never push a host past it',
  },
  memThresholdPct: { label: 'Memory threshold (%)', hint: 'The same for memory' },
  maxConcurrent: { label: 'Max migrations at once', hint: 'Per run, counting those still running' },
  cooldownMin: { label: 'Per-VM cooldown (minutes)', hint: 'A VM moved less than this ago stays put' },
};

function ModePicker({ value, onChange }: { value: BalancerMode; onChange: (m: BalancerMode) => void }) {
  return (
    <fieldset>
      <legend className="mb-1 text-xs font-medium text-slate-700">Mode</legend>
      <div className="divide-y divide-slate-200 overflow-hidden rounded-md border border-slate-200">
        {BALANCER_MODES.map((m) => (
          <label
            key={m}
            className={cx(
              'flex cursor-pointer items-start gap-2.5 px-3 py-2 text-sm transition-colors',
              value === m ? 'bg-accent-50' : 'hover:bg-slate-50',
            )}
          >
            <input
              type="radio"
              name="mode"
              value={m}
              checked={value === m}
              onChange={() => onChange(m)}
              className="mt-1 accent-accent-600"
            />
            <span>
              <span className="block font-medium text-slate-900">{MODE_TEXT[m].label}</span>
              <span className="block text-xs text-slate-600">{MODE_TEXT[m].description}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The cluster balancing policy; validated with the API's schema, conflicting rules answered per rule. */
export function PolicyForm({ policy }: { policy: PolicyDto }) {
  const { toast } = useToast();
  const permission = usePermission('cluster.manage');
  const save = useSavePolicy();
  const [mode, setMode] = useState(policy.mode);
  const [nums, setNums] = useState(
    () => Object.fromEntries(NUMBER_FIELDS.map((k) => [k, String(policy[k])])) as Record<NumberField, string>,
  );
  const [excluded, setExcluded] = useState(policy.excludedVmIds);
  const [rules, setRules] = useState<RuleDto[]>(policy.rules);
  const [errors, setErrors] = useState<Errors>({});

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const values = {
      mode,
      ...Object.fromEntries(NUMBER_FIELDS.map((k) => [k, numberInput(nums[k])])),
      excludedVmIds: excluded,
      rules,
    };
    const parsed = balancerPolicySchema.safeParse(values);
    if (!parsed.success) return setErrors(fieldErrors(parsed.error));
    setErrors({});
    save.mutate(parsed.data, {
      onSuccess: () =>
        toast({
          tone: 'success',
          title: 'Balancer policy saved',
          description: MODE_TEXT[parsed.data.mode].description,
        }),
      onError: (err) => {
        if (isApiError(err, 422)) setErrors(err.fields);
      },
    });
  }

  const general = [...(errors._ ?? []), ...(errors.rules ?? [])];
  const dirty =
    mode !== policy.mode ||
    NUMBER_FIELDS.some((k) => nums[k] !== String(policy[k])) ||
    JSON.stringify(excluded) !== JSON.stringify(policy.excludedVmIds) ||
    JSON.stringify(rules) !== JSON.stringify(policy.rules);
  const invalid = Object.keys(errors).length > 0;
  return (
    <Card>
      <CardHeader title="Policy" description={`Last changed ${formatDateTime(policy.updatedAt)}`} />
      <form onSubmit={onSubmit} noValidate aria-label="Balancer policy">
        <CardBody className="space-y-4">
          {general.length > 0 && (
            <p role="alert" className="text-sm text-red-700">
              {general.join(' ')}
            </p>
          )}
          <ModePicker value={mode} onChange={setMode} />
          <div className="grid grid-cols-2 gap-x-4 gap-y-3">
            {NUMBER_FIELDS.map((k) => (
              <TextField
                key={k}
                label={LABELS[k].label}
                hint={LABELS[k].hint}
                type="number"
                name={k}
                value={nums[k]}
                onChange={(e) => setNums((n) => ({ ...n, [k]: e.target.value }))}
                error={errors[k]?.[0]}
              />
            ))}
          </div>
          <ExcludedVms value={excluded} onChange={setExcluded} error={errors.excludedVmIds?.[0]} />
          <div>
            <h3 className="mb-1 text-xs font-medium text-slate-700">Placement rules</h3>
            <RulesEditor rules={rules} onChange={setRules} errors={errors} />
          </div>
        </CardBody>
        <SaveBar label="Save policy" invalid={invalid} dirty={dirty} saving={save.isPending} permission={permission} />
      </form>
    </Card>
  );
}
