'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useToast } from '@/components/ui/toast';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';
import { snapshotQueries } from '@/lib/queries/snapshot-queries';
import { vmQueries } from '@/lib/queries/vm-queries';

type Watched = { taskId: string; what: string };

const taskLink = (taskId: string) => ({ href: `/tasks/${taskId}`, label: 'Open the task' });

/**
 * Follows the tasks a snapshot control started: a toast with the task's link when accepted, one
 * with the outcome when it ends, and the snapshot and VM views refreshed then (not a poll later).
 * Render `watchers` somewhere in the component.
 */
export function useTaskWatch(): { watch: (taskId: string, what: string) => void; watchers: ReactNode } {
  const { toast } = useToast();
  const [tasks, setTasks] = useState<Watched[]>([]);
  const watch = useCallback(
    (taskId: string, what: string) => {
      toast({ tone: 'info', title: `${what}: started`, link: taskLink(taskId) });
      setTasks((xs) => [...xs, { taskId, what }]);
    },
    [toast],
  );
  const forget = useCallback((taskId: string) => setTasks((xs) => xs.filter((x) => x.taskId !== taskId)), []);
  return { watch, watchers: tasks.map((t) => <TaskEnd key={t.taskId} task={t} onEnded={forget} />) };
}

function TaskEnd({ task, onEnded }: { task: Watched; onEnded: (taskId: string) => void }) {
  const qc = useQueryClient();
  const { toast } = useToast();
  const { data } = useQuery(taskQueries.detail(task.taskId));
  const reported = useRef(false);
  useEffect(() => {
    if (!data || isTaskActive(data) || reported.current) return;
    reported.current = true;
    void qc.invalidateQueries({ queryKey: snapshotQueries.all() });
    void qc.invalidateQueries({ queryKey: vmQueries.all() });
    toast(
      data.state === 'succeeded'
        ? { tone: 'success', title: `${task.what}: done`, link: taskLink(task.taskId) }
        : {
            tone: 'error',
            title: `${task.what}: ${data.state}`,
            description: data.error?.message,
            link: taskLink(task.taskId),
          },
    );
    onEnded(task.taskId);
  }, [data, qc, toast, task, onEnded]);
  return null;
}
