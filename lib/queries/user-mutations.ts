'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { UserDto, UserWithPasswordDto } from '@/lib/domain/users/dto';
import type { CreateUserInput, ResetPasswordInput, UpdateUserInput } from '@/lib/domain/users/schemas';
import { apiFetch } from './api-fetch';
import { userQueries } from './user-queries';

const enc = encodeURIComponent;

// Every user mutation refreshes the list through the key factory.
function useUserMutation<I, O>(errorTitle: string, mutationFn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle },
    mutationFn,
    onSuccess: () => qc.invalidateQueries({ queryKey: userQueries.all() }),
  });
}

export const useCreateUser = () =>
  useUserMutation('Could not create the user', (input: CreateUserInput) =>
    apiFetch<UserWithPasswordDto>('/api/users', { method: 'POST', json: input }),
  );

export const useUpdateUser = () =>
  useUserMutation('Could not change the user', ({ userId, ...input }: UpdateUserInput & { userId: string }) =>
    apiFetch<UserDto>(`/api/users/${enc(userId)}`, { method: 'PATCH', json: input }),
  );

export const useDeleteUser = () =>
  useUserMutation('Could not delete the user', (userId: string) =>
    apiFetch<{ deleted: string }>(`/api/users/${enc(userId)}`, { method: 'DELETE' }),
  );

export const useResetPassword = () =>
  useUserMutation('Could not reset the password', ({ userId, ...input }: ResetPasswordInput & { userId: string }) =>
    apiFetch<UserWithPasswordDto>(`/api/users/${enc(userId)}/password`, { method: 'POST', json: input }),
  );
