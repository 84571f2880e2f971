export const TASK_STATE = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type TaskState = (typeof TASK_STATE)[keyof typeof TASK_STATE];

export type TaskStepDto = { at: string; level: 'info' | 'warn' | 'error'; message: string };

export type TaskDto = {
  id: string;
  kind: string;
  title: string;
  state: TaskState;
  progress: number; // 0..1
  targetType: string | null;
  targetId: string | null;
  createdByName: string | null;
  error: { code: string; message: string } | null;
  result: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  steps?: TaskStepDto[]; // only on detail
};
