'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { useSetMaintenance } from '@/lib/queries/migrations';
import { useVmsById } from '@/lib/queries/use-vms-by-id';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Enter maintenance (confirm: its VMs move away) or exit it (optionally bringing them back). */
export function MaintenanceActions({ host }: { host: HostDto }) {
  const { toast } = useToast();
  const { reason } = usePermission('host.manage');
  const change = useSetMaintenance(host.id);
  const [open, setOpen] = useState(false);
  const [bringBack, setBringBack] = useState(true);
  const moved = host.evacuatedVmIds.length;
  const { vms } = useVmsById(open ? host.evacuatedVmIds : []);
  const movedNames = host.evacuatedVmIds
    .map((id) => {
      const vm = vms.get(id);
      return vm ? `${vm.name} (now on ${vm.hostName})` : null;
    })
    .filter(Boolean);

  const submit = (enabled: boolean) =>
    change.mutate(
      { enabled, bringBack: enabled ? undefined : bringBack && moved > 0 },
      {
        // The host page finds the new task itself (tasks are refetched on success).
        onSuccess: () => {
          toast({
            tone: 'success',
            title: enabled ? `${host.name} is entering maintenance` : `${host.name} is leaving maintenance`,
            description: enabled ? 'Its VMs are being moved; follow the evacuation on this page.' : undefined,
          });
        },
        onSettled: () => setOpen(false),
      },
    );

  const why =
    reason ?? (!host.maintenance && host.status !== 'online' ? 'The host must be online to move its VMs away' : null);
  return (
    <>
      <Button
        onClick={() => setOpen(true)}
        disabled={Boolean(why)}
        disabledReason={why}
        data-testid="maintenance-button"
      >
        {host.maintenance ? 'Exit maintenance' : 'Enter maintenance'}
      </Button>
      {!host.maintenance ? (
        <ConfirmDialog
          open={open}
          tone="primary"
          confirmLabel="Enter maintenance"
          pending={change.isPending}
          onCancel={() => setOpen(false)}
          onConfirm={() => submit(true)}
          title={`Put ${host.name} in maintenance?`}
          description={
            <div className="space-y-2">
              <p>
                {host.runningVmCount > 0
                  ? `Its ${plural(host.runningVmCount, 'running VM')} will be live-migrated to the other hosts, spread by free capacity and placement rules (never all onto one host). They keep running while they move.`
                  : 'No VM runs on it, so nothing has to move.'}
              </p>
              <p>
                New VMs and the load balancer avoid this host until it leaves maintenance; stopped VMs stay where they
                are.
              </p>
            </div>
          }
        />
      ) : (
        <Dialog
          open={open}
          onClose={() => setOpen(false)}
          title={`Take ${host.name} out of maintenance?`}
          description="The host takes new VMs again and the load balancer may use it."
          footer={
            <>
              <Button onClick={() => setOpen(false)}>Cancel</Button>
              <Button variant="primary" loading={change.isPending} onClick={() => submit(false)}>
                Exit maintenance
              </Button>
            </>
          }
        >
          <label className="flex items-start gap-2.5">
            <input
              type="checkbox"
              checked={bringBack && moved > 0}
              disabled={moved === 0}
              onChange={(e) => setBringBack(e.target.checked)}
              className="mt-0.5 size-4 rounded border-slate-300 accent-accent-600"
            />
            <span>
              <span className="block font-medium text-slate-800">
                {moved > 0 ? `Bring back the ${plural(moved, 'VM')} moved away` : 'No VMs were moved away'}
              </span>
              <span className="block text-xs text-slate-500">
                {moved > 0 ? 'They are live-migrated back here while they keep running.' : 'Nothing to bring back.'}
              </span>
              {movedNames.length > 0 && (
                <span className="mt-1 block text-xs text-slate-600">{movedNames.join(', ')}</span>
              )}
            </span>
          </label>
        </Dialog>
      )}
    </>
  );
}
