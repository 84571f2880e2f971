import Link from 'next/link';
import type { AuditEventDto } from '@/lib/domain/audit/dto';

const HREF: Record<string, (id: string) => string> = {
  vm: (id) => `/vms/${encodeURIComponent(id)}`,
  host: (id) => `/hosts/${encodeURIComponent(id)}`,
  task: (id) => `/tasks/${encodeURIComponent(id)}`,
  image: () => '/images',
};

export function AuditTarget({ event }: { event: AuditEventDto }) {
  if (!event.targetType && !event.targetName) return <span className="text-slate-400">—</span>;
  const text = event.targetName ?? event.targetId ?? '';
  const href = event.targetType && event.targetId ? HREF[event.targetType]?.(event.targetId) : undefined;
  return (
    <span className="block truncate" title={`${event.targetType ?? ''} ${event.targetId ?? ''}`.trim()}>
      <span className="text-slate-500">{event.targetType} </span>
      {href ? (
        <Link href={href} className="hover:text-accent-700 hover:underline">
          {text}
        </Link>
      ) : (
        text
      )}
    </span>
  );
}

/** key=value pairs on one line; the full JSON on hover. */
export function AuditDetail({ detail }: { detail: Record<string, unknown> }) {
  const entries = Object.entries(detail ?? {});
  if (entries.length === 0) return <span className="text-slate-400">—</span>;
  const text = entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return (
    <span className="block truncate font-mono text-[11px] text-slate-500" title={JSON.stringify(detail, null, 2)}>
      {text}
    </span>
  );
}
