import 'server-only';
import type { Actor } from '@/lib/domain/audit/service';
import type { TaskKind, TaskPayload } from '@/lib/domain/tasks/kinds';
import { addStep, setProgress } from '@/lib/domain/tasks/service';

export type TaskContext = {
  id: string;
  actor: Actor;
  recovered: boolean; // a previous worker died while running this task
  step(message: string, level?: 'info' | 'warn' | 'error'): Promise<void>;
  progress(fraction: number): Promise<void>;
};

// Receives the payload already parsed with its kind's schema (lib/domain/tasks/kinds.ts).
export type TaskHandler<K extends TaskKind> = (ctx: TaskContext, payload: TaskPayload<K>) => Promise<unknown>;

export function makeContext(id: string, actor: Actor, recovered: boolean): TaskContext {
  return {
    id,
    actor,
    recovered,
    step: (message, level) => addStep(id, message, level),
    progress: (fraction) => setProgress(id, fraction),
  };
}
