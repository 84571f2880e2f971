'use client';
import { useQuery } from '@tanstack/react-query';
import { SelectField } from '@/components/ui/form-field';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { formatBytes } from '@/lib/format';
import { hostQueries } from '@/lib/queries/host-queries';
import { hostFreeMemoryBytes } from './host-math';

/**
 * Host picker whose first option is automatic placement; offline hosts are listed but disabled,
 * and so are hosts of another site than `site` when one is given (placement stays in a site).
 */
export function HostSelect({
  value,
  onChange,
  error,
  label = 'Host',
  autoLabel = 'Automatic placement (most free memory)',
  hint,
  className,
  site,
}: {
  value: string;
  onChange: (hostId: string, host: HostDto | undefined) => void;
  error?: string;
  label?: string;
  autoLabel?: string;
  hint?: string;
  className?: string;
  site?: string;
}) {
  const { data: hosts, isPending } = useQuery(hostQueries.choices());
  return (
    <SelectField
      label={label}
      name="hostId"
      value={value}
      error={error}
      hint={hint}
      className={className}
      onChange={(e) =>
        onChange(
          e.target.value,
          hosts?.find((h) => h.id === e.target.value),
        )
      }
    >
      <option value="auto">{autoLabel}</option>
      {isPending && <option disabled>Loading hosts…</option>}
      {hosts?.map((h) => (
        <option key={h.id} value={h.id} disabled={h.status !== 'online' || (site !== undefined && h.site !== site)}>
          {h.name} —{' '}
          {site !== undefined && h.site !== site
            ? `site ${h.site}`
            : h.status === 'online'
              ? `${formatBytes(hostFreeMemoryBytes(h))} free memory`
              : h.status}
        </option>
      ))}
    </SelectField>
  );
}
