// Typed agent calls for backups. Long ones answer an Operation: poll it with waitForOperation and
// parse its result with the matching schema (backupResultSchema, verifyBackupResultSchema,
// rebaseBackupResultSchema from lib/agent-protocol/backup.ts).
import {
  deleteBackupResponseSchema,
  repositoryStatusSchema,
  type BackupVmRequest,
  type DeleteBackupRequest,
  type RebaseBackupRequest,
  type RepositoryCheckRequest,
  type VerifyBackupRequest,
} from '@/lib/agent-protocol/backup';
import { operationSchema } from '@/lib/agent-protocol/core';
import type { AgentCall } from './index';

export const backupCalls = (call: AgentCall) => ({
  backupVm: (vmId: string, req: BackupVmRequest) =>
    call('POST', `/v1/vms/${encodeURIComponent(vmId)}/backup`, operationSchema, req),
  verifyBackupFiles: (req: VerifyBackupRequest) => call('POST', '/v1/backups/verify', operationSchema, req),
  deleteBackupFiles: (req: DeleteBackupRequest) => call('POST', '/v1/backups/delete', deleteBackupResponseSchema, req),
  rebaseBackup: (req: RebaseBackupRequest) => call('POST', '/v1/backups/rebase', operationSchema, req),
  checkRepository: (req: RepositoryCheckRequest) => call('POST', '/v1/backups/repository', repositoryStatusSchema, req),
});
