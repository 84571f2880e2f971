'use client';
import type { QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { taskQueries } from './task-queries';
import { vmQueries } from './vm-queries';

type ChangeEvent = { vms: string[]; tasks: string[]; finished: string[] };

// Changes that arrive close together share one round of refetches.
const BATCH_MS = 25;

// Subscribes to the dashboard's server-sent events (GET /api/events) and refetches what changed:
// a VM's page and the VM lists on a VM change, the task views on task progress, everything shown
// when a task ended (it may have touched anything). The polls stay as a fallback; the browser
// reconnects a dropped stream by itself.
export function useLiveUpdates(client: QueryClient, enabled: boolean) {
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/events');
    const vms = new Set<string>();
    let tasks = false;
    let finished = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      if (finished) void client.invalidateQueries();
      else {
        if (vms.size) void client.invalidateQueries({ queryKey: vmQueries.lists() });
        for (const id of vms) void client.invalidateQueries({ queryKey: vmQueries.detail(id).queryKey });
        if (tasks) void client.invalidateQueries({ queryKey: taskQueries.all() });
      }
      vms.clear();
      tasks = finished = false;
    };
    es.addEventListener('change', (msg) => {
      const e = JSON.parse((msg as MessageEvent<string>).data) as ChangeEvent;
      for (const id of e.vms) vms.add(id);
      tasks ||= e.tasks.length > 0;
      finished ||= e.finished.length > 0;
      timer ??= setTimeout(flush, BATCH_MS);
    });
    return () => {
      es.close();
      if (timer) clearTimeout(timer);
    };
  }, [client, enabled]);
}
