import { Badge } from '@/components/ui/badge';
import type { HostDto } from '@/lib/domain/hosts/dto';

const ACCEL_TEXT = { kvm: 'KVM', tcg: 'TCG (emulated)', none: 'No accelerator' } as const;

export function AcceleratorBadge({ host }: { host: Pick<HostDto, 'accelerator' | 'acceleratorReason'> }) {
  return (
    <Badge
      tone={host.accelerator === 'kvm' ? 'accent' : host.accelerator === 'tcg' ? 'amber' : 'gray'}
      title={host.acceleratorReason || undefined}
    >
      {ACCEL_TEXT[host.accelerator]}
    </Badge>
  );
}

export function DriverBadge({ driver }: { driver: HostDto['driver'] }) {
  return driver === 'simulated' ? <Badge tone="amber">Simulated</Badge> : <Badge tone="gray">QEMU</Badge>;
}

// Every host belongs to a site (disaster recovery); the label names it so two sites never blur.
export function SiteBadge({ site }: { site: string }) {
  return (
    <Badge tone="gray" title="Site: hosts that share storage">
      site {site}
    </Badge>
  );
}
