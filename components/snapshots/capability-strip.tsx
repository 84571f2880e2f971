import type { PointCapabilities } from '@/lib/agent-protocol/snapshots';
import { CheckIcon, XIcon } from '@/components/ui/icons';

const ITEMS: { key: keyof PointCapabilities; label: string }[] = [
  { key: 'disk', label: 'Disk snapshot' },
  { key: 'memory', label: 'Checkpoint with memory' },
  { key: 'revert', label: 'Revert' },
  { key: 'clone', label: 'Linked clone' },
];

/** What this VM supports now, from its real configuration as its agent sees it, with the reason for each "no". */
export function CapabilityStrip({
  capabilities,
  error,
}: {
  capabilities: PointCapabilities | null;
  error: string | null;
}) {
  if (!capabilities) {
    return (
      <p
        role="status"
        className="border-b border-slate-100 bg-amber-50 px-4 py-2 text-xs text-amber-900"
        data-testid="point-capabilities"
      >
        Snapshots are not available now: {error ?? 'the VM’s host cannot be asked'}.
      </p>
    );
  }
  return (
    <ul
      aria-label="Supported now"
      data-testid="point-capabilities"
      className="flex flex-wrap gap-x-5 gap-y-1 border-b border-slate-100 bg-slate-50/60 px-4 py-2 text-xs"
    >
      {ITEMS.map(({ key, label }) => {
        const c = capabilities[key];
        return (
          <li
            key={key}
            data-capability={key}
            data-ok={c.ok ? 'true' : 'false'}
            className="flex min-w-0 items-start gap-1"
          >
            {c.ok ? (
              <CheckIcon className="mt-px shrink-0 text-emerald-600" />
            ) : (
              <XIcon className="mt-px shrink-0 text-slate-500" />
            )}
            <span className={c.ok ? 'text-slate-700' : 'text-slate-600'}>
              <span className="font-medium">{label}</span>
              {c.ok ? <span className="sr-only">: supported</span> : <>: {c.reason ?? 'not supported'}</>}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
