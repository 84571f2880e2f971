import { z } from 'zod';
import { MIGRATION_REASONS } from './dto';

// POST /api/vms/:id/migrate and the migrate dialog. 'best' = the allowed other host that leaves the
// cluster most balanced (target.ts).
export const migrateVmSchema = z.object({ targetHostId: z.string().min(1, 'Choose a host or "best"') }).strict();
export type MigrateVmInput = z.input<typeof migrateVmSchema>;

export const migrationEstimateQuerySchema = z
  .object({ targetHostId: z.string().min(1, 'Choose a host or "best"') })
  .strict();

export const listMigrationsQuerySchema = z
  .object({ vmId: z.string().min(1).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) })
  .strict();

export const migrationIdParamSchema = z.object({ migrationId: z.string().min(1).max(64) }).strict();

// POST /api/hosts/:id/maintenance (and the host page's toggle).
export const hostMaintenanceSchema = z.object({ enabled: z.boolean(), bringBack: z.boolean().default(false) }).strict();
export type HostMaintenanceInput = z.input<typeof hostMaintenanceSchema>;

// What services (balancer, maintenance) pass; the HTTP form only ever sends targetHostId.
export const queueMigrationSchema = z
  .object({ vmId: z.string().min(1), targetHostId: z.string().min(1), reason: z.enum(MIGRATION_REASONS) })
  .strict();
export type QueueMigration = z.infer<typeof queueMigrationSchema>;

// Tuning a caller may pass (tests slow a migration down to cancel it; the contract's fields).
export type MigrationOptions = { maxBandwidthBytes?: number; downtimeLimitMs?: number };
