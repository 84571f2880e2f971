import { Card } from '@/components/ui/card';
import { AlertIcon, CheckIcon } from '@/components/ui/icons';
import { Stat } from '@/components/ui/stat';
import { cx } from '@/lib/cx';
import type { HaOverviewDto } from '@/lib/domain/ha/dto';
import { formatMiB } from '@/lib/format';
import { ADMISSION_TEXT } from './ha-bits';

const VERDICT = { off: 'HA is off.', none: 'Nothing to protect.', ok: 'Protected.', warning: 'At risk.' } as const;

/** Is the cluster protected now: the verdict with its reason, then the figures behind it. */
export function ProtectionSummary({ overview }: { overview: HaOverviewDto }) {
  const { protection: p, policy } = overview;
  const tone = !policy.enabled ? 'off' : p.protectedVms === 0 ? 'none' : p.ok ? 'ok' : 'warning';
  const downHosts = overview.hosts.filter((h) => h.state === 'failed' || h.state === 'fenced').length;
  return (
    <Card data-testid="ha-protection" data-status={tone}>
      <div
        role="status"
        className={cx(
          'flex items-start gap-2.5 rounded-t-lg border-b px-4 py-3 text-sm',
          tone === 'ok'
            ? 'border-emerald-100 bg-emerald-50 text-emerald-900'
            : tone === 'warning'
              ? 'border-amber-200 bg-amber-50 text-amber-900'
              : 'border-slate-100 bg-slate-50 text-slate-700',
        )}
      >
        {tone === 'ok' ? (
          <CheckIcon className="mt-0.5 shrink-0 text-emerald-600" />
        ) : (
          <AlertIcon className={cx('mt-0.5 shrink-0', tone === 'warning' ? 'text-amber-600' : 'text-slate-500')} />
        )}
        <p>
          <span className="font-semibold">{VERDICT[tone]}</span>{' '}
          {tone === 'off'
            ? 'Failed hosts are still shown; no VM is restarted automatically.'
            : tone === 'none'
              ? "No VM has HA on: turn it on in a VM's page (its disk must be on shared storage)."
              : p.reason}
        </p>
      </div>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 p-4 md:grid-cols-4">
        <Stat
          label="Protected VMs running"
          value={
            <span data-testid="ha-protected">
              {p.runningProtected} / {p.protectedVms}
            </span>
          }
          hint={
            p.protectedVms === 0
              ? 'No VM has HA on'
              : p.runningProtected < p.protectedVms
                ? `${p.protectedVms - p.runningProtected} not running`
                : 'all running'
          }
        />
        <Stat
          label="Spare memory"
          value={formatMiB(p.spareMemoryMiB)}
          hint={
            <span className={p.spareMemoryMiB < p.requiredMemoryMiB ? 'font-medium text-amber-800' : undefined}>
              {formatMiB(p.requiredMemoryMiB)} needed to restart them
            </span>
          }
        />
        <Stat
          label="Host failures tolerated"
          value={<span data-testid="ha-tolerated">{p.failuresTolerated}</span>}
          hint={
            policy.admission === 'tolerate'
              ? `policy asks for ${policy.hostFailuresToTolerate}`
              : ADMISSION_TEXT[policy.admission].label
          }
        />
        <Stat
          label="Hosts down"
          value={
            <span className={downHosts ? 'text-red-700' : undefined}>
              {downHosts} of {overview.hosts.length}
            </span>
          }
          hint={downHosts ? 'failed or fenced' : 'every lease live'}
        />
      </dl>
    </Card>
  );
}
