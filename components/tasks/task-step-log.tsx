import { EmptyState } from '@/components/ui/empty-state';
import type { TaskStepDto } from '@/lib/domain/tasks/dto';
import { cx } from '@/lib/cx';
import { formatClock } from '@/lib/format';

const LEVEL = { info: 'text-slate-500', warn: 'text-amber-700', error: 'text-red-700' } as const;

export function TaskStepLog({ steps }: { steps: TaskStepDto[] }) {
  if (steps.length === 0)
    return <EmptyState title="No steps logged yet" description="Steps appear here as the worker runs the task." />;
  return (
    <ol className="divide-y divide-slate-100 font-mono text-xs">
      {steps.map((s, i) => (
        <li
          key={i}
          className={cx(
            'flex gap-4 px-4 py-1.5',
            s.level === 'error' && 'bg-red-50/60',
            s.level === 'warn' && 'bg-amber-50/60',
          )}
        >
          <time dateTime={s.at} className="shrink-0 text-slate-500 tabular-nums">
            {formatClock(s.at, true)}
          </time>
          <span className={cx('w-12 shrink-0 uppercase', LEVEL[s.level])}>{s.level}</span>
          <span className="min-w-0 break-words whitespace-pre-wrap text-slate-800">{s.message}</span>
        </li>
      ))}
    </ol>
  );
}
