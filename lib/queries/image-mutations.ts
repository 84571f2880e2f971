'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { importImageSchema } from '@/lib/domain/images/schemas';
import type { z } from 'zod';
import { apiFetch } from './api-fetch';
import { imageQueries } from './image-queries';
import { taskQueries } from './task-queries';
import type { TaskAccepted } from './vm-mutations';

export type ImportImage = z.output<typeof importImageSchema>;

export function useImportImage() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not import the image' },
    mutationFn: (input: ImportImage) => apiFetch<TaskAccepted>('/api/images', { method: 'POST', json: input }),
    onSuccess: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: imageQueries.all() }),
        qc.invalidateQueries({ queryKey: taskQueries.all() }),
      ]),
  });
}
