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
  start: 'primary',
  stop: 'secondary',
  'force-stop': 'secondary',
  restart: 'secondary',
  delete: 'danger',
};

// Everything that interrupts a running guest asks first; Start does not.
const CONFIRM: Record<
  Exclude<VmControl, 'start'>,
  { confirmLabel: string; tone: 'primary' | 'danger'; description: string }
> = {
  stop: {
    confirmLabel: 'Stop VM',
    tone: 'primary',
    description:
      'The guest is asked to shut down cleanly (ACPI power button). If it ignores the request, use Force stop.',
  },
  'force-stop': {
    confirmLabel: 'Force stop',
    tone: 'danger',
    description:
      'This cuts the power like pulling the plug: the guest gets no chance to shut down and unsaved data in it is lost.',
  },
  restart: {
    confirmLabel: 'Restart VM',
    tone: 'primary',
    description: 'The guest reboots; its sessions and services are interrupted.',
  },
  delete: {
    confirmLabel: 'Delete VM',
    tone: 'danger',
    description: 'The VM is stopped if it runs, then it and its disk are removed for good. This cannot be undone.',
  },
};

export function VmActions({ vm }: { vm: VmDto }) {
  const router = useRouter();
  const { toast } = useToast();
  const operate = usePermission('vm.operate');
  const remove = usePermission('vm.delete');
  const action = useVmAction(vm.id);
  const deletion = useDeleteVm(vm.id);
  const [confirm, setConfirm] = useState<Exclude<VmControl, 'start'> | null>(null);
  const busy = action.isPending || deletion.isPending;

  const run = (a: VmAction) =>
    action.mutate(a, {
      onSuccess: () =>
        toast({
          title: `${VM_CONTROL_LABELS[a]} requested`,
          description: `${vm.name}: follow the progress on this page.`,
          tone: 'success',
        }),
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

  const button = (control: VmControl) => {
    const perm = control === 'delete' ? remove : operate;
    const st = vmControlState(vm, control);
    const pending = control === 'delete' ? deletion.isPending : action.isPending && action.variables === control;
    return (
      <Button
        variant={VARIANT[control]}
        onClick={() => (control === 'start' ? run('start') : setConfirm(control))}
        disabled={!perm.allowed || !st.enabled || busy}
        disabledReason={perm.reason ?? st.reason}
        loading={pending}
      >
        {VM_CONTROL_LABELS[control]}
      </Button>
    );
  };

  return (
    <>
      <div role="group" aria-label="VM actions" className="flex flex-wrap items-center gap-2">
        {button('start')}
        {button('stop')}
        {button('force-stop')}
        {button('restart')}
        <span aria-hidden="true" className="mx-1 h-5 w-px bg-slate-200" />
        {button('delete')}
      </div>
      {(Object.keys(CONFIRM) as (keyof typeof CONFIRM)[]).map((c) => (
        <ConfirmDialog
          key={c}
          open={confirm === c}
          onCancel={() => setConfirm(null)}
          onConfirm={() => (c === 'delete' ? doDelete() : run(c))}
          pending={c === 'delete' ? deletion.isPending : action.isPending}
          title={`${VM_CONTROL_LABELS[c]} ${vm.name}?`}
          typeToConfirm={c === 'delete' ? vm.name : undefined}
          {...CONFIRM[c]}
        />
      ))}
    </>
  );
}
