import { Brand } from './brand';
import type { ReactNode } from 'react';
import { CurrentUserProvider } from '@/components/auth/current-user';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { SidebarNav } from './sidebar-nav';
import { SimulatedBanner } from './simulated-banner';
import { TopBar } from './top-bar';
import { UserPanel } from './user-panel';

// The document scrolls (full-page screenshots and browser find work); the sidebar and the header
// stick. Sticky table headers sit below the header via --header-h (globals.css).
export function AppShell({ user, children }: { user: SessionUser; children: ReactNode }) {
  return (
    <CurrentUserProvider user={user}>
      <a
        href="#main"
        className="sr-only z-50 rounded bg-white px-3 py-2 text-sm font-medium text-slate-900 shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      <div className="flex min-h-screen">
        <aside className="w-56 shrink-0 bg-slate-900">
          <div className="sticky top-0 flex h-screen flex-col">
            <div className="flex h-12 shrink-0 items-center gap-2 border-b border-slate-800 px-4">
              <Brand inverted />
            </div>
            <SidebarNav />
            <UserPanel />
          </div>
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <div className="sticky top-0 z-30">
            <TopBar />
            <SimulatedBanner />
          </div>
          <main id="main" className="min-w-0 flex-1 px-6 pt-5 pb-10">
            {children}
          </main>
        </div>
      </div>
    </CurrentUserProvider>
  );
}
