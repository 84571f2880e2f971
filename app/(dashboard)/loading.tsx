import { Skeleton, SkeletonRows } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <div role="status" aria-label="Loading page">
      <Skeleton className="mb-2 h-6 w-48" />
      <Skeleton className="mb-6 h-4 w-80" />
      <div className="mb-5 grid grid-cols-3 gap-4">
        <Skeleton className="h-28" />
        <Skeleton className="h-28" />
        <Skeleton className="h-28" />
      </div>
      <div className="rounded-lg border border-slate-200 bg-white">
        <SkeletonRows rows={6} />
      </div>
    </div>
  );
}
