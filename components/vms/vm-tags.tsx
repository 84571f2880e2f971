export function VmTags({ tags, max }: { tags: string[]; max?: number }) {
  if (tags.length === 0) return <span className="text-slate-400">—</span>;
  const shown = max ? tags.slice(0, max) : tags;
  const rest = tags.length - shown.length;
  return (
    <span className="flex flex-wrap gap-1" title={tags.join(', ')}>
      {shown.map((t) => (
        <span key={t} className="rounded bg-slate-100 px-1.5 py-px font-mono text-[11px] text-slate-600">
          {t}
        </span>
      ))}
      {rest > 0 && <span className="text-[11px] text-slate-500">+{rest}</span>}
    </span>
  );
}
