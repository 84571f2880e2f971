'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { useToast } from '@/components/ui/toast';
import type { VmAction, VmDto } from '@/lib/domain/vms/dto';
import { useDeleteVm, useVmAction } from '@/lib/queries/vm-mutations';
import { VM_CONTROL_LABELS, vmControlState, type VmControl } from './vm-action-rules';

const VARIANT: Record<VmControl, 'primary' | 'secondary' | 'danger'> = {
  start: 'primary', stop: 'secondary', 'force-stop': 'secondary', restart: 'secondary', delete: 'danger',
};

export function VmActions({ vm }: { vm: VmDto }) {
  const router = useRouter();
  const { toast } = useToast();
  const operate = usePermission('vm.operate');
  const remove = usePermission('vm.delete');
  const action = useVmAction(vm.id);
  const deletion = useDeleteVm(vm.id);
  const [confirm, setConfirm] = useState<'force-stop' | 'delete' | null>(null);
  const busy = action.isPending || deletion.isPending;

  const run = (a: VmAction) =>
    action.mutate(a, {
      onSuccess: () => toast({ title: `${VM_CONTROL_LABELS[a]} requested`, description: `${vm.name}: follow the progress on this page.`, tone: 'success' }),
      onSettled: () => setConfirm(null),
    });

  const doDelete = () =>
    deletion.mutate(undefined, {
      onSuccess: () => {
        toast({ title: `Deleting ${vm.name}`, description: 'The VM and its disk are being removed.', tone: 'success' });
        router.push('/vms');
      },
      onSettled: () => setConfirm(null),
    });

  const button = (control: VmControl, onClick: () => void) => {
    const perm = control === 'delete' ? remove : operate;
    const st = vmControlState(vm, control);
    return (
      <Button key={control} variant={VARIANT[control]} onClick={onClick} disabled={!perm.allowed || !st.enabled || busy}
        disabledReason={perm.reason ?? st.reason}
        loading={(control === 'delete' && deletion.isPending) || (action.isPending && action.variables === control)}>
        {VM_CONTROL_LABELS[control]}
      </Button>
    );
  };

  return (
    <>
      <div role="toolbar" aria-label="VM actions" className="flex flex-wrap items-center gap-2">
        {button('start', () => run('start'))}
        {button('stop', () => run('stop'))}
        {button('force-stop', () => setConfirm('force-stop'))}
        {button('restart', () => run('restart'))}
        <span aria-hidden="true" className="mx-1 h-5 w-px bg-slate-200" />
        {button('delete', () => setConfirm('delete'))}
      </div>
      <ConfirmDialog open={confirm === 'force-stop'} onCancel={() => setConfirm(null)} onConfirm={() => run('force-stop')}
        pending={action.isPending} title={`Force stop ${vm.name}?`} confirmLabel="Force stop"
        description="This cuts the power like pulling the plug: the guest gets no chance to shut down and unsaved data in it is lost." />
      <ConfirmDialog open={confirm === 'delete'} onCancel={() => setConfirm(null)} onConfirm={doDelete}
        pending={deletion.isPending} title={`Delete ${vm.name}?`} confirmLabel="Delete VM" typeToConfirm={vm.name}
        description="The VM is stopped if it runs, then it and its disk are removed for good. This cannot be undone." />
    </>
  );
}
