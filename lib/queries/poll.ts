// Polling intervals, in one place so pages agree.
export const POLL = {
  live: 5_000, // hosts, VMs, metrics
  console: 3_000,
  activeTasks: 1_500, // while any task is queued or running
  idleTasks: 10_000,
} as const;
