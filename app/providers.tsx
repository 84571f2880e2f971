'use client';
import { QueryClientProvider } from '@tanstack/react-query';
import { SessionProvider, useSession } from 'next-auth/react';
import { useEffect, useState, type ReactNode } from 'react';
import { ToastProvider, useToast } from '@/components/ui/toast';
import { useLiveUpdates } from '@/lib/queries/live-updates';
import { makeQueryClient } from '@/lib/queries/query-client';

export function Providers({ children }: { children: ReactNode }) {
  // Marks the page as interactive: a click on server-rendered markup before hydration is lost,
  // so the browser tests wait for this after every navigation.
  useEffect(() => {
    document.documentElement.dataset.hydrated = 'true';
  }, []);
  return (
    <SessionProvider>
      <ToastProvider>
        <QueryProvider>{children}</QueryProvider>
      </ToastProvider>
    </SessionProvider>
  );
}

function QueryProvider({ children }: { children: ReactNode }) {
  const { toast } = useToast();
  const [client] = useState(() => makeQueryClient(toast));
  useLiveUpdates(client, useSession().status === 'authenticated');
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
