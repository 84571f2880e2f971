'use client';
import { useState, type FormEvent } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import type { FailoverPlanDto, PlanRunKind } from '@/lib/domain/dr/dto';
import { PLAN_RUN_KIND } from '@/lib/domain/dr/dto';
import { useRunFailoverPlan } from '@/lib/queries/dr';
import { TypeToConfirmField } from '@/components/ui/type-to-confirm-field';

const FORM_ID = 'dr-plan-run-form';

const KINDS: Record<PlanRunKind, { label: string; what: string }> = {
  test: {
    label: 'Test',
    what: 'Each member boots a throwaway copy of its newest replica point (isolated: no network device); the VMs and their replication carry on. Discard the copies when done.',
  },
  planned: {
    label: 'Planned (no data loss)',
    what: 'Each member is shut down, its last changes copied in one more run, then its replica starts.',
  },
  unplanned: {
    label: 'Unplanned (site A is down)',
    what: "Each member's replica starts from its newest point at once; writes since then are lost.",
  },
};

/** Run a plan: members by boot order, each group's guests ready before the next group starts. */
export function PlanRunDialog({
  plan,
  onClose,
  onAccepted,
}: {
  plan: FailoverPlanDto;
  onClose: () => void;
  onAccepted: (taskId: string) => void;
}) {
  const run = useRunFailoverPlan(plan.id);
  const fail = usePermission('dr.failover');
  const [kind, setKind] = useState<PlanRunKind>('test');
  const [typed, setTyped] = useState('');
  // An unplanned run loses data on every member: the plan's name typed.
  const confirmed = kind !== 'unplanned' || typed === plan.name;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!confirmed) return;
    run.mutate(
      { kind },
      {
        onSuccess: ({ taskId }) => {
          onAccepted(taskId);
          onClose();
        },
      },
    );
  }

  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title={`Run plan ${plan.name}`}
      description={`${plan.members.length} VM(s) in boot order; a member that fails stops the plan (members already failed over stay failed over).`}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            form={FORM_ID}
            variant={kind === 'test' ? 'primary' : 'danger'}
            loading={run.isPending}
            disabled={!confirmed}
          >
            {kind === 'test' ? 'Run test' : kind === 'planned' ? 'Run planned failover' : 'Fail over now'}
          </Button>
        </>
      }
    >
      <form id={FORM_ID} onSubmit={onSubmit} noValidate className="space-y-4">
        <fieldset className="space-y-2">
          <legend className="mb-1 text-xs font-medium text-slate-700">Kind</legend>
          {PLAN_RUN_KIND.map((k) => {
            const off = k !== 'test' ? fail.reason : null;
            return (
              <label
                key={k}
                className="flex cursor-pointer items-start gap-2 rounded-md border border-slate-200 p-2.5"
                title={off ?? undefined}
              >
                <input
                  type="radio"
                  name="kind"
                  value={k}
                  checked={kind === k}
                  disabled={Boolean(off)}
                  onChange={() => setKind(k)}
                  className="mt-0.5"
                />
                <span>
                  <span className="block text-sm font-medium text-slate-800">{KINDS[k].label}</span>
                  <span className="block text-xs text-slate-600">{off ?? KINDS[k].what}</span>
                </span>
              </label>
            );
          })}
        </fieldset>
        {kind === 'unplanned' && (
          <TypeToConfirmField word={plan.name} value={typed} onChange={(e) => setTyped(e.target.value)} />
        )}
      </form>
    </Dialog>
  );
}
