// Polling intervals, in one place so pages agree.
export const POLL = {
  live: 5_000, // VMs, metrics
  // Hosts: a host goes offline 12 s after its last heartbeat (lib/domain/hosts/queries.ts); a 3 s
  // poll shows that within 15 s.
  hosts: 3_000,
  console: 3_000,
  activeTasks: 1_500, // while any task is queued or running
  idleTasks: 10_000,
} as const;
