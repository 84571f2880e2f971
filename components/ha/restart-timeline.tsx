import { cx } from '@/lib/cx';
import type { HaRestartDto } from '@/lib/domain/ha/dto';
import { formatClock } from '@/lib/format';
import { formatSeconds } from './ha-bits';
import { restartSteps } from './ha-rules';

/**
 * failure -> detected -> decision -> QEMU up -> guest ready: each step's clock time and the seconds since the one
 * before.
 */
export function RestartTimeline({ r }: { r: HaRestartDto }) {
  const steps = restartSteps(r);
  const next = steps.findIndex((s) => !s.at);
  const live = r.state === 'pending' || r.state === 'restarting';
  return (
    <ol
      aria-label={`Restart timeline of ${r.vmName}`}
      className="flex flex-wrap items-stretch gap-y-2 text-xs"
      data-testid="restart-timeline"
    >
      {steps.map((s, i) => (
        <li key={s.key} data-step={s.key} data-done={s.at ? 'true' : 'false'} className="flex items-center">
          {i > 0 && (
            <span className="flex flex-col items-center px-1.5 text-slate-600">
              <span className="tabular-nums">
                {s.sincePreviousMs !== null ? `+${formatSeconds(s.sincePreviousMs)}` : '\u00a0'}
              </span>
              <span aria-hidden="true" className="h-px w-8 bg-slate-300" />
            </span>
          )}
          <span
            className={cx(
              'rounded-md px-2 py-1 ring-1 ring-inset',
              s.at
                ? 'bg-emerald-50 text-emerald-900 ring-emerald-600/20'
                : live && i === next
                  ? 'bg-sky-50 text-sky-900 ring-sky-400'
                  : 'bg-slate-50 text-slate-600 ring-slate-200',
            )}
          >
            <span className="block font-medium">{s.label}</span>
            <span
              className="block tabular-nums"
              title={s.sinceFailureMs !== null ? `${formatSeconds(s.sinceFailureMs)} after the failure` : undefined}
            >
              {s.at
                ? formatClock(s.at, true)
                : live && i === next
                  ? 'waiting…'
                  : s.key === 'failedAt'
                    ? 'unknown'
                    : '—'}
            </span>
          </span>
        </li>
      ))}
    </ol>
  );
}
