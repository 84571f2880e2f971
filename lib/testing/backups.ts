// Reading what backups left behind, for integration tests.
import { readFileSync } from 'node:fs';
import { manifestPathOf, pointManifestSchema } from '@/lib/agent-protocol/backup';
import { listRestorePoints } from '@/lib/domain/backups/queries';
import { restorePointsQuerySchema } from '@/lib/domain/backups/schemas';

// The manifest written beside a point file.
export const manifestOf = (file: string) =>
  pointManifestSchema.parse(JSON.parse(readFileSync(manifestPathOf(file), 'utf8')));

// A VM's restore points, oldest first (a test's VM has far fewer than a page).
export const pointsOf = async (vmId: string) =>
  (await listRestorePoints(restorePointsQuerySchema.parse({ vmId, sort: 'taken', order: 'asc', limit: 500 }))).items;
