'use client';
import { useQuery } from '@tanstack/react-query';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { SelectField, TextField } from '@/components/ui/form-field';
import { PlusIcon, XIcon } from '@/components/ui/icons';
import { cx } from '@/lib/cx';
import type { HostAffinityRuleDto, RuleDto } from '@/lib/domain/balancer/dto';
import { hostQueries } from '@/lib/queries/host-queries';

type Errors = Record<string, string[]>;

/** First message for `rules.<i>.<field>` (or the rule as a whole when field is omitted). */
function ruleError(errors: Errors, i: number, field?: string): string | undefined {
  return errors[field ? `rules.${i}.${field}` : `rules.${i}`]?.[0];
}

const newId = () => `rule-${Math.random().toString(36).slice(2, 8)}`;

function HostChecklist({
  rule,
  onChange,
  error,
}: {
  rule: HostAffinityRuleDto;
  onChange: (hostIds: string[]) => void;
  error?: string;
}) {
  const { data: hosts } = useQuery(hostQueries.choices());
  return (
    <fieldset>
      <legend className="mb-1 text-xs font-medium text-slate-700">Hosts</legend>
      <div className="flex flex-wrap gap-x-4 gap-y-1">
        {hosts?.map((h) => (
          <label key={h.id} className="flex items-center gap-1.5 text-sm text-slate-700">
            <input
              type="checkbox"
              className="size-4 accent-accent-600"
              checked={rule.hostIds.includes(h.id)}
              onChange={(e) =>
                onChange(e.target.checked ? [...rule.hostIds, h.id] : rule.hostIds.filter((x) => x !== h.id))
              }
            />
            {h.name}
          </label>
        ))}
        {rule.hostIds
          .filter((id) => !hosts?.some((h) => h.id === id))
          .map((id) => (
            <span key={id} className="font-mono text-xs text-red-700" title="This host no longer exists">
              {id}
            </span>
          ))}
      </div>
      {error && <p className="mt-1 text-xs text-red-600">{error}</p>}
    </fieldset>
  );
}

/** Tag-based placement rules; a conflicting rule shows the server's reason under it. */
export function RulesEditor({
  rules,
  onChange,
  errors,
}: {
  rules: RuleDto[];
  onChange: (rules: RuleDto[]) => void;
  errors: Errors;
}) {
  const update = (i: number, patch: Partial<RuleDto>) =>
    onChange(rules.map((r, j) => (j === i ? ({ ...r, ...patch } as RuleDto) : r)));
  const add = (kind: RuleDto['kind']) =>
    onChange([
      ...rules,
      kind === 'vm-vm-anti-affinity'
        ? { id: newId(), kind, name: '', tag: '' }
        : { id: newId(), kind, name: '', tag: '', hostIds: [], strength: 'should' },
    ]);

  return (
    <div className="space-y-2" data-testid="rules-editor">
      {rules.length === 0 && <p className="text-xs text-slate-500">No rules: VMs may go to any host with room.</p>}
      {rules.map((r, i) => {
        const whole = ruleError(errors, i);
        return (
          <div
            key={r.id}
            data-testid="rule"
            className={cx('rounded-md border p-3', whole ? 'border-red-300 bg-red-50/40' : 'border-slate-200')}
          >
            <div className="mb-2 flex items-center gap-2">
              <Badge tone={r.kind === 'vm-vm-anti-affinity' ? 'blue' : 'accent'}>
                {r.kind === 'vm-vm-anti-affinity' ? 'VM–VM anti-affinity' : 'VM–host affinity'}
              </Badge>
              <span className="flex-1" />
              <Button
                variant="ghost"
                size="sm"
                aria-label={`Remove rule ${r.name || i + 1}`}
                onClick={() => onChange(rules.filter((_, j) => j !== i))}
              >
                <XIcon />
              </Button>
            </div>
            <div className="grid grid-cols-2 gap-x-3 gap-y-2">
              <TextField
                label="Rule name"
                value={r.name}
                onChange={(e) => update(i, { name: e.target.value })}
                error={ruleError(errors, i, 'name')}
                placeholder="spread web servers"
              />
              <TextField
                label="VM tag"
                value={r.tag}
                onChange={(e) => update(i, { tag: e.target.value })}
                error={ruleError(errors, i, 'tag')}
                placeholder="web"
                spellCheck={false}
                hint={
                  r.kind === 'vm-vm-anti-affinity'
                    ? 'VMs with it run on different hosts'
                    : 'VMs with it run on the hosts below'
                }
              />
              {r.kind === 'vm-host-affinity' && (
                <>
                  <HostChecklist
                    rule={r}
                    onChange={(hostIds) => update(i, { hostIds })}
                    error={ruleError(errors, i, 'hostIds')}
                  />
                  <SelectField
                    label="Strength"
                    value={r.strength}
                    onChange={(e) => update(i, { strength: e.target.value as HostAffinityRuleDto['strength'] })}
                    hint={r.strength === 'must' ? 'Never placed elsewhere' : 'Preferred; moved there when it helps'}
                  >
                    <option value="should">Should (preferred)</option>
                    <option value="must">Must (required)</option>
                  </SelectField>
                </>
              )}
            </div>
            {whole && (
              <p role="alert" className="mt-2 text-xs font-medium text-red-700" data-testid="rule-error">
                {whole}
              </p>
            )}
          </div>
        );
      })}
      <div className="flex gap-2">
        <Button size="sm" icon={<PlusIcon />} onClick={() => add('vm-vm-anti-affinity')}>
          Anti-affinity rule
        </Button>
        <Button size="sm" icon={<PlusIcon />} onClick={() => add('vm-host-affinity')}>
          Host affinity rule
        </Button>
      </div>
    </div>
  );
}
