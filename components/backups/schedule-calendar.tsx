'use client';
import { cx } from '@/lib/cx';
import { calendarDays } from './schedule-calendar-model';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The next runs laid out on week rows (Monday first), in the job's timezone. */
export function ScheduleCalendar({ runs, timeZone }: { runs: string[]; timeZone: string }) {
  const cells = calendarDays(runs, timeZone);
  if (cells.length === 0) return null;

  return (
    <div data-testid="schedule-calendar" aria-label={`Next ${runs.length} runs (${timeZone})`} role="group">
      <p className="mb-1 text-[11px] text-slate-500">
        Next {runs.length} runs, in {timeZone}:
      </p>
      <div className="grid grid-cols-7 gap-1 text-center text-[11px] font-medium text-slate-500">
        {WEEKDAYS.map((d) => (
          <div key={d}>{d}</div>
        ))}
      </div>
      <div className="mt-1 grid grid-cols-7 gap-1">
        {cells.map(({ day, times: all }, i) => {
          const times = all.length ? all : null;
          const [, m, d] = day.split('-');
          return (
            <div
              key={day}
              title={times ? `${day}: ${times.join(', ')}` : undefined}
              className={cx(
                'min-h-11 rounded border px-1 py-0.5 text-[11px] leading-tight',
                times ? 'border-accent-200 bg-accent-50 text-accent-800' : 'border-slate-100 text-slate-500',
              )}
            >
              <div className={cx('tabular-nums', times && 'font-semibold')}>
                {d === '01' || i === 0 ? `${Number(m)}/${Number(d)}` : Number(d)}
              </div>
              {times && (
                <div className="tabular-nums">
                  {times.slice(0, 2).map((t) => (
                    <div key={t}>{t}</div>
                  ))}
                  {times.length > 2 && <div className="text-accent-600">+{times.length - 2} more</div>}
                </div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
