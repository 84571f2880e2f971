'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { SelectField, Switch, TextField } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';
import { HA_PRIORITIES, type HaPriority } from '@/lib/domain/ha/dto';
import { vmHaSchema } from '@/lib/domain/ha/schemas';
import type { VmDto } from '@/lib/domain/vms/dto';
import { numberInput } from '@/lib/forms/number-input';
import { fieldErrors } from '@/lib/http/validation';
import { isApiError } from '@/lib/queries/api-fetch';
import { useSetVmHa } from '@/lib/queries/ha';
import { hostQueries } from '@/lib/queries/host-queries';
import { PRIORITY_LABELS } from './ha-bits';
import { onSharedStorage } from './ha-rules';

type Errors = Record<string, string[]>;

/** The VM's HA setting: off / restart on host failure, with its restart priority and order. */
export function VmHaCard({ vm }: { vm: VmDto }) {
  const { toast } = useToast();
  const permission = usePermission('vm.ha');
  const { data: hosts } = useQuery(hostQueries.choices());
  const save = useSetVmHa(vm.id);
  const [enabled, setEnabled] = useState(vm.haEnabled);
  const [priority, setPriority] = useState<HaPriority>(vm.haPriority);
  const [order, setOrder] = useState(String(vm.haOrder));
  const [errors, setErrors] = useState<Errors>({});
  // Until the hosts are loaded the pool's kind is unknown: do not claim the VM cannot be protected.
  const shared = !hosts || onSharedStorage(vm, hosts);
  // A local-disk VM that has HA on (set before it could be refused) may still turn it off.
  const locked =
    permission.reason ??
    (shared || vm.haEnabled ? null : 'Only a VM whose disk is on shared storage can be restarted on another host');

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = vmHaSchema.safeParse({ enabled, priority, order: numberInput(order) });
    if (!parsed.success) return setErrors(fieldErrors(parsed.error));
    setErrors({});
    save.mutate(parsed.data, {
      onSuccess: () =>
        toast({
          tone: 'success',
          title: parsed.data.enabled ? `HA on for ${vm.name}` : `HA off for ${vm.name}`,
          description: parsed.data.enabled
            ? `Restarted on another host if ${vm.hostName} fails (${PRIORITY_LABELS[parsed.data.priority].toLowerCase()} priority).`
            : undefined,
        }),
      onError: (err) => {
        if (isApiError(err, 422)) setErrors(err.fields);
      },
    });
  }

  const dirty = enabled !== vm.haEnabled || priority !== vm.haPriority || order !== String(vm.haOrder);
  return (
    <Card data-testid="vm-ha">
      <CardHeader
        title="High availability"
        description={
          vm.haEnabled ? `On: ${PRIORITY_LABELS[vm.haPriority].toLowerCase()} priority, order ${vm.haOrder}` : 'Off'
        }
        actions={
          <Link href="/ha" className="text-xs font-medium text-accent-700 hover:underline">
            HA page
          </Link>
        }
      />
      <form onSubmit={onSubmit} noValidate aria-label="VM high availability">
        <CardBody className="space-y-3">
          {!shared && (
            <p
              className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-xs text-slate-700"
              data-testid="vm-ha-local"
            >
              Its disk is in the <span className="font-medium">{vm.pool}</span> pool of {vm.hostName}: no other host can
              reach it, so it cannot be restarted elsewhere. Only VMs on shared storage can have HA.
            </p>
          )}
          {errors._ && (
            <p role="alert" className="text-sm text-red-700">
              {errors._.join(' ')}
            </p>
          )}
          <Switch
            label="Restart on host failure"
            checked={enabled}
            onChange={setEnabled}
            disabled={Boolean(locked)}
            description="When its host's lease expires, vmops starts it on a healthy host."
          />
          <div className="grid grid-cols-2 gap-3">
            <SelectField
              label="Restart priority"
              name="priority"
              value={priority}
              disabled={Boolean(locked) || !enabled}
              onChange={(e) => setPriority(e.target.value as HaPriority)}
              error={errors.priority?.[0]}
            >
              {HA_PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {PRIORITY_LABELS[p]}
                </option>
              ))}
            </SelectField>
            <TextField
              label="Restart order"
              type="number"
              name="order"
              min={0}
              value={order}
              disabled={Boolean(locked) || !enabled}
              onChange={(e) => setOrder(e.target.value)}
              error={errors.order?.[0]}
              hint="Lower first, within a priority"
            />
          </div>
        </CardBody>
        <div className="flex items-center justify-end gap-3 border-t border-slate-100 bg-slate-50/60 px-4 py-2.5">
          {(dirty || permission.reason) && (
            <span className="mr-auto text-xs text-slate-500">
              {dirty ? 'Unsaved changes' : `${permission.reason}.`}
            </span>
          )}
          <Button
            type="submit"
            size="sm"
            variant="primary"
            loading={save.isPending}
            disabled={Boolean(locked) || !dirty}
            disabledReason={locked ?? 'Nothing changed'}
          >
            Save
          </Button>
        </div>
      </form>
    </Card>
  );
}
