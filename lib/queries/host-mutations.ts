'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { EnrollmentTokenDto, enrollmentTokenSchema } from '@/lib/domain/hosts/schemas';
import { apiFetch } from './api-fetch';
import { hostQueries } from './host-queries';

export type CreateEnrollmentToken = z.output<typeof enrollmentTokenSchema>;

export function useCreateEnrollmentToken() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not create an enrollment token' },
    mutationFn: (input: CreateEnrollmentToken) =>
      apiFetch<EnrollmentTokenDto>('/api/hosts/enrollment-tokens', { method: 'POST', json: input }),
    // The host row only appears once its agent enrolls, but refetching now means the list is
    // fresh when the dialog closes instead of waiting for the next poll.
    onSuccess: () => qc.invalidateQueries({ queryKey: hostQueries.all() }),
  });
}
