'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { inputClasses } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';
import type { HaHostDto } from '@/lib/domain/ha/dto';
import { formatMiB } from '@/lib/format';
import { useFailover } from '@/lib/queries/ha';
import { HostLink, VmLink } from './ha-bits';
import { targetOptions, type FailoverCandidate } from './ha-rules';

function FailoverRow({
  c,
  haHosts,
  inMaintenance,
}: {
  c: FailoverCandidate;
  haHosts: HaHostDto[];
  inMaintenance: ReadonlySet<string>;
}) {
  const { toast } = useToast();
  const permission = usePermission('vm.ha');
  const failover = useFailover();
  const options = targetOptions(haHosts, c.vm, inMaintenance);
  const [target, setTarget] = useState('best');
  const targetName =
    target === 'best' ? 'best host' : (options.find((o) => o.host.hostId === target)?.host.hostName ?? target);
  const noTarget = options.every((o) => o.unfitReason);
  const noTargetReason = noTarget
    ? 'No healthy host of its site can take it now: every other host there is down, in maintenance or full'
    : null;
  const disabledReason = permission.reason ?? c.disabledReason ?? noTargetReason;
  const note =
    c.disabledReason ??
    (c.restart?.state === 'pending'
      ? `Automatic restart pending: ${c.restart.reason || 'waiting for a host'}`
      : noTargetReason);
  const pickerId = `failover-target-${c.vm.id}`;

  const restart = () =>
    failover.mutate(
      { vmId: c.vm.id, targetHostId: target },
      {
        onSuccess: () =>
          toast({
            tone: 'success',
            title: `Restarting ${c.vm.name}`,
            description: `On ${targetName}; follow it under Restarts.`,
          }),
      },
    );

  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3" data-testid="failover-vm" data-vm={c.vm.name}>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <VmLink id={c.vm.id} name={c.vm.name} />
          {/* Its host is gone: the state is the last one reported, not what runs now (its QEMU was fenced). */}
          <span className="text-xs text-slate-500">
            last reported {c.vm.state} on <HostLink id={c.fromHost.hostId} name={c.fromHost.hostName} /> ·{' '}
            {formatMiB(c.vm.memoryMiB)} · HA {c.vm.haEnabled ? 'on' : 'off'}
          </span>
        </div>
        {note && <p className="mt-0.5 text-xs text-slate-600">{note}</p>}
      </div>
      <div className="w-72">
        <label htmlFor={pickerId} className="sr-only">
          Restart {c.vm.name} on
        </label>
        <select
          id={pickerId}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          disabled={Boolean(disabledReason)}
          className={inputClasses(false, 'py-1 pr-8 text-xs')}
        >
          <option value="best">Best host (chosen by vmops)</option>
          {options.map((o) => (
            <option key={o.host.hostId} value={o.host.hostId} disabled={Boolean(o.unfitReason)}>
              {o.host.hostName}
              {o.host.failoverHost ? ' (failover host)' : ''} — {o.unfitReason ?? `${formatMiB(o.freeMiB)} free`}
            </option>
          ))}
        </select>
      </div>
      <Button
        size="sm"
        variant="primary"
        onClick={restart}
        loading={failover.isPending}
        disabled={Boolean(disabledReason)}
        disabledReason={disabledReason}
      >
        Restart on {targetName}
      </Button>
    </li>
  );
}

/** VMs of failed hosts, each with "Restart on <host>": the operator's hand on the failover. */
export function FailoverPanel({
  candidates,
  haHosts,
  inMaintenance,
}: {
  candidates: FailoverCandidate[];
  haHosts: HaHostDto[];
  inMaintenance: ReadonlySet<string>;
}) {
  if (candidates.length === 0) return null;
  return (
    <Card data-testid="ha-failover" className="border-red-200">
      <CardHeader
        title="VMs on failed hosts"
        description="Their hosts' leases expired, so they cannot be running there: restart them on a healthy host."
      />
      <ul className="divide-y divide-slate-100">
        {candidates.map((c) => (
          <FailoverRow key={c.vm.id} c={c} haHosts={haHosts} inMaintenance={inMaintenance} />
        ))}
      </ul>
    </Card>
  );
}
