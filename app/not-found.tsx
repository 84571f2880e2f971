import { ButtonLink } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { SearchIcon } from '@/components/ui/icons';

// Unknown URLs outside the dashboard's routes (the dashboard has its own not-found inside the shell).
export default function RootNotFound() {
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-100 px-4">
      <div className="w-full max-w-md rounded-xl border border-slate-200 bg-white shadow-sm">
        <EmptyState
          icon={<SearchIcon />}
          title="Page not found"
          description="There is nothing at this address."
          action={
            <ButtonLink href="/" variant="primary">
              Go to overview
            </ButtonLink>
          }
        />
      </div>
    </main>
  );
}
