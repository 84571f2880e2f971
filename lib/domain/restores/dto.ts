// DTOs of the restore domain, shared with the UI (restore dialog) and with the backup domain
// (boot health check of a restore point).

export const RESTORE_MODES = ['new', 'replace'] as const;
export type RestoreMode = (typeof RESTORE_MODES)[number];

// POST /api/restore-points/:id/restore -> 202. vmId: the new VM (mode 'new') or the replaced one.
export type RestoreAcceptedDto = { taskId: string; vmId: string };

// Task result of a vm.restore task (Task.result), shown on the task page.
export type RestoreResultDto = {
  vmId: string;
  pointId: string;
  mode: RestoreMode;
  instant: boolean;
  hostId: string;
  diskPath: string;
  runningAfterMs: number | null; // instant: request to VM running on the backup
  totalMs: number; // until the disk is standalone in the pool
};

// lib/domain/restores/boot-check.ts: restore into a throwaway VM, boot, wait for the guest.
export type BootCheckResult = { ok: boolean; readyAfterMs: number | null; message: string };
