import { StateBadge } from '@/components/ui/badge';
import type { VmDto } from '@/lib/domain/vms/dto';

// The guest's own readiness, apart from QEMU's power state: "Running" means QEMU runs the VM;
// this says whether the guest inside has printed its ready line yet.
export function GuestBadge({ vm }: { vm: Pick<VmDto, 'state' | 'guestReady' | 'guestWarning'> }) {
  if (vm.state !== 'running' && vm.state !== 'paused') return null;
  if (vm.guestReady) return <StateBadge state="guest-ready" tone="green" label="Guest ready" data-testid="vm-guest" />;
  if (vm.guestWarning)
    return (
      <StateBadge
        state="guest-not-ready"
        tone="amber"
        label="Guest not ready"
        data-testid="vm-guest"
        title={vm.guestWarning}
      />
    );
  return <StateBadge state="guest-booting" tone="blue" label="Guest booting" data-testid="vm-guest" />;
}
