-- AlterTable
ALTER TABLE "Vm" ADD COLUMN "lastMigratedAt" DATETIME;

-- CreateTable
CREATE TABLE "BackupRepository" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "hostId" TEXT,
    "path" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'unknown',
    "lastError" TEXT,
    "totalBytes" BIGINT NOT NULL DEFAULT 0,
    "freeBytes" BIGINT NOT NULL DEFAULT 0,
    "usedBytes" BIGINT NOT NULL DEFAULT 0,
    "checkedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "RepositoryUsageSample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "repositoryId" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedBytes" BIGINT NOT NULL,
    "freeBytes" BIGINT NOT NULL,
    CONSTRAINT "RepositoryUsageSample_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "BackupRepository" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BackupJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "repositoryId" TEXT NOT NULL,
    "selector" TEXT NOT NULL DEFAULT '{}',
    "schedule" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "retention" TEXT NOT NULL DEFAULT '{}',
    "concurrency" INTEGER NOT NULL DEFAULT 1,
    "verifySchedule" TEXT,
    "nextRunAt" DATETIME,
    "nextVerifyAt" DATETIME,
    "lastRunAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "BackupJob_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "BackupRepository" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BackupRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jobId" TEXT NOT NULL,
    "taskId" TEXT,
    "trigger" TEXT NOT NULL DEFAULT 'schedule',
    "state" TEXT NOT NULL DEFAULT 'running',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "durationMs" INTEGER,
    "bytesWritten" BIGINT NOT NULL DEFAULT 0,
    "sizeBytes" BIGINT NOT NULL DEFAULT 0,
    "vmCount" INTEGER NOT NULL DEFAULT 0,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "results" TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT "BackupRun_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "BackupJob" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RestorePoint" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "vmId" TEXT NOT NULL,
    "vmName" TEXT NOT NULL,
    "jobId" TEXT,
    "runId" TEXT,
    "repositoryId" TEXT,
    "hostId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "fullReason" TEXT,
    "chainId" TEXT NOT NULL,
    "parentId" TEXT,
    "filePath" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "virtualSizeBytes" BIGINT NOT NULL,
    "bytesWritten" BIGINT NOT NULL DEFAULT 0,
    "durationMs" INTEGER NOT NULL DEFAULT 0,
    "takenAt" DATETIME NOT NULL,
    "vmSpec" TEXT NOT NULL DEFAULT '{}',
    "verifyState" TEXT NOT NULL DEFAULT 'unverified',
    "verifyMessage" TEXT,
    "verifiedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Migration" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "vmId" TEXT NOT NULL,
    "vmName" TEXT NOT NULL,
    "sourceHostId" TEXT NOT NULL,
    "targetHostId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'running',
    "taskId" TEXT,
    "estimate" TEXT NOT NULL DEFAULT '{}',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "durationMs" INTEGER,
    "downtimeMs" INTEGER,
    "bytesTransferred" BIGINT NOT NULL DEFAULT 0,
    "diskBytes" BIGINT NOT NULL DEFAULT 0,
    "error" TEXT
);

-- CreateTable
CREATE TABLE "BalancerPolicy" (
    "id" TEXT NOT NULL PRIMARY KEY DEFAULT 'cluster',
    "mode" TEXT NOT NULL DEFAULT 'off',
    "intervalSec" INTEGER NOT NULL DEFAULT 300,
    "cpuThresholdPct" REAL NOT NULL DEFAULT 80,
    "memThresholdPct" REAL NOT NULL DEFAULT 85,
    "maxConcurrent" INTEGER NOT NULL DEFAULT 2,
    "cooldownMin" INTEGER NOT NULL DEFAULT 30,
    "excludedVmIds" TEXT NOT NULL DEFAULT '[]',
    "rules" TEXT NOT NULL DEFAULT '[]',
    "lastRunAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "BalancerRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "mode" TEXT NOT NULL,
    "trigger" TEXT NOT NULL DEFAULT 'schedule',
    "imbalanceBefore" REAL NOT NULL,
    "imbalanceAfter" REAL NOT NULL,
    "hostsBefore" TEXT NOT NULL DEFAULT '[]',
    "hostsAfter" TEXT NOT NULL DEFAULT '[]',
    "durationMs" REAL NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "BalancerRecommendation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "vmId" TEXT NOT NULL,
    "vmName" TEXT NOT NULL,
    "sourceHostId" TEXT NOT NULL,
    "targetHostId" TEXT NOT NULL,
    "gain" REAL NOT NULL,
    "cost" REAL NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "taskId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BalancerRecommendation_runId_fkey" FOREIGN KEY ("runId") REFERENCES "BalancerRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Host" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "agentUrl" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'online',
    "maintenance" BOOLEAN NOT NULL DEFAULT false,
    "maintenanceSince" DATETIME,
    "evacuatedVmIds" TEXT NOT NULL DEFAULT '[]',
    "lastHeartbeat" DATETIME,
    "driver" TEXT NOT NULL DEFAULT 'qemu',
    "agentVersion" TEXT NOT NULL DEFAULT '',
    "qemuVersion" TEXT,
    "accelerator" TEXT NOT NULL DEFAULT 'tcg',
    "acceleratorReason" TEXT NOT NULL DEFAULT '',
    "cpuCount" INTEGER NOT NULL DEFAULT 1,
    "cpuModel" TEXT NOT NULL DEFAULT '',
    "memoryTotalBytes" BIGINT NOT NULL DEFAULT 0,
    "memoryUsedBytes" BIGINT NOT NULL DEFAULT 0,
    "cpuPct" REAL NOT NULL DEFAULT 0,
    "enrolledAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Host" ("accelerator", "acceleratorReason", "agentUrl", "agentVersion", "cpuCount", "cpuModel", "cpuPct", "driver", "enrolledAt", "id", "lastHeartbeat", "memoryTotalBytes", "memoryUsedBytes", "name", "qemuVersion", "secret", "secretHash", "status") SELECT "accelerator", "acceleratorReason", "agentUrl", "agentVersion", "cpuCount", "cpuModel", "cpuPct", "driver", "enrolledAt", "id", "lastHeartbeat", "memoryTotalBytes", "memoryUsedBytes", "name", "qemuVersion", "secret", "secretHash", "status" FROM "Host";
DROP TABLE "Host";
ALTER TABLE "new_Host" RENAME TO "Host";
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");
CREATE UNIQUE INDEX "Host_secretHash_key" ON "Host"("secretHash");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "BackupRepository_name_key" ON "BackupRepository"("name");

-- CreateIndex
CREATE INDEX "RepositoryUsageSample_repositoryId_at_idx" ON "RepositoryUsageSample"("repositoryId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "BackupJob_name_key" ON "BackupJob"("name");

-- CreateIndex
CREATE INDEX "BackupRun_jobId_startedAt_idx" ON "BackupRun"("jobId", "startedAt");

-- CreateIndex
CREATE INDEX "RestorePoint_vmId_takenAt_idx" ON "RestorePoint"("vmId", "takenAt");

-- CreateIndex
CREATE INDEX "RestorePoint_jobId_takenAt_idx" ON "RestorePoint"("jobId", "takenAt");

-- CreateIndex
CREATE INDEX "Migration_vmId_startedAt_idx" ON "Migration"("vmId", "startedAt");

-- CreateIndex
CREATE INDEX "Migration_startedAt_idx" ON "Migration"("startedAt");

-- CreateIndex
CREATE INDEX "BalancerRun_at_idx" ON "BalancerRun"("at");

-- CreateIndex
CREATE INDEX "BalancerRecommendation_state_idx" ON "BalancerRecommendation"("state");

