import { ButtonLink } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { SearchIcon } from '@/components/ui/icons';

export default function NotFound() {
  return (
    <div className="rounded-lg border border-slate-200 bg-white">
      <EmptyState
        icon={<SearchIcon />}
        title="Nothing here"
        description="This page or object does not exist, or it was deleted."
        action={
          <ButtonLink href="/" variant="primary">
            Go to overview
          </ButtonLink>
        }
      />
    </div>
  );
}
