import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError } from './api-fetch';

type Notify = (t: { title: string; description?: string; tone: 'error' }) => void;

function redirectToLogin() {
  if (typeof window === 'undefined' || window.location.pathname.startsWith('/login')) return;
  const back = window.location.pathname + window.location.search;
  window.location.assign(`/login?callbackUrl=${encodeURIComponent(back)}`);
}

// Failed mutations toast the server's message, except 422s with field errors (the form shows those).
export function makeQueryClient(notify: Notify): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (err) => {
        if (isApiError(err, 401)) redirectToLogin();
      },
    }),
    mutationCache: new MutationCache({
      onError: (err, _vars, _ctx, mutation) => {
        if (isApiError(err, 401)) return redirectToLogin();
        if (isApiError(err, 422) && Object.keys(err.fields).length > 0) return;
        notify({ title: mutation.meta?.errorTitle ?? 'Request failed', description: err.message, tone: 'error' });
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        retry: (count, err) => !(isApiError(err) && err.status >= 400 && err.status < 500) && count < 2,
      },
      mutations: { retry: false },
    },
  });
}
