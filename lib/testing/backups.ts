// Reading what backups left behind, for integration tests.
import { readFileSync } from 'node:fs';
import { manifestPathOf, pointManifestSchema } from '@/lib/agent-protocol/backup';
import { listRestorePoints } from '@/lib/domain/backups/queries';

// The manifest written beside a point file.
export const manifestOf = (file: string) =>
  pointManifestSchema.parse(JSON.parse(readFileSync(manifestPathOf(file), 'utf8')));

// A VM's restore points, oldest first.
export const pointsOf = async (vmId: string) =>
  (await listRestorePoints({ vmId })).sort((a, b) => a.takenAt.localeCompare(b.takenAt));
