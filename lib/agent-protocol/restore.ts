// Wire schemas of the agent's restore API (docs/ARCHITECTURE.md, "Agent HTTP API"), shared by the
// agent routes and lib/agent-client/restore.ts.
import { z } from 'zod';
import { absPathSchema as absPath, vmSpecSchema } from './core';

export const restoreVmRequestSchema = z
  .object({
    vm: vmSpecSchema,
    sourcePath: absPath, // head of the backup chain (qcow2; its backing files are the older points)
    mode: z.enum(['copy', 'instant']),
    start: z.boolean().default(true),
  })
  .strict()
  .refine((r) => r.mode === 'copy' || r.start, { path: ['start'], message: 'instant recovery starts the VM' });
export type RestoreVmRequest = z.input<typeof restoreVmRequestSchema>;
export type RestoreVmInput = z.output<typeof restoreVmRequestSchema>;

// Operation.detail while an instant restore streams.
// replace-disk adds the safety file (once hashed), so the dashboard registers it while it runs.
export type SafetyFile = { path: string; sha256: string; sizeBytes: number };
export type RestoreDetail = {
  phase: 'copying' | 'starting' | 'streaming' | 'finishing';
  runningAfterMs: number | null;
  bytesDone: number;
  bytesTotal: number;
  safety?: SafetyFile;
};

export const restoreResultSchema = z.object({
  runningAfterMs: z.number().nullable(),
  totalMs: z.number(),
  diskPath: z.string(),
});
export type RestoreResult = z.infer<typeof restoreResultSchema>;

// instant (additive): start the VM on an overlay of the backup and stream, as a restore does.
export const replaceDiskRequestSchema = z.object({ sourcePath: absPath, instant: z.boolean().default(false) }).strict();
export type ReplaceDiskRequest = z.input<typeof replaceDiskRequestSchema>;
export type ReplaceDiskInput = z.output<typeof replaceDiskRequestSchema>;

// runningAfterMs: instant only (the VM was started by the operation), else null.
export const replaceDiskResultSchema = z.object({
  safetyPath: z.string(),
  sha256: z.string(),
  sizeBytes: z.number(),
  runningAfterMs: z.number().nullable().default(null),
});
export type ReplaceDiskResult = z.infer<typeof replaceDiskResultSchema>;

export const safetyRequestSchema = z.object({ safetyPath: absPath }).strict();
export type SafetyRequest = z.infer<typeof safetyRequestSchema>;
