-- AlterTable
ALTER TABLE "Host" ADD COLUMN "site" TEXT NOT NULL DEFAULT 'main';

-- AlterTable
ALTER TABLE "Vm" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'vm';
ALTER TABLE "Vm" ADD COLUMN "replicaOfId" TEXT;
ALTER TABLE "Vm" ADD COLUMN "drState" TEXT;

-- CreateTable
CREATE TABLE "ReplicationJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "vmId" TEXT NOT NULL,
    "replicaVmId" TEXT NOT NULL,
    "targetHostId" TEXT NOT NULL,
    "intervalSec" INTEGER NOT NULL,
    "keepPoints" INTEGER NOT NULL,
    "rpoTargetSec" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "state" TEXT NOT NULL DEFAULT 'active',
    "fullRequested" BOOLEAN NOT NULL DEFAULT false,
    "nextRunAt" DATETIME,
    "lastRunAt" DATETIME,
    "lastSuccessAt" DATETIME,
    "lastError" TEXT,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ReplicaPoint" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jobId" TEXT NOT NULL,
    "takenAt" DATETIME NOT NULL,
    "kind" TEXT NOT NULL,
    "fullReason" TEXT,
    "bytesSent" BIGINT NOT NULL DEFAULT 0,
    "layerBytes" BIGINT NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ReplicaPoint_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "ReplicationJob" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ReplicationRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jobId" TEXT NOT NULL,
    "taskId" TEXT,
    "status" TEXT NOT NULL,
    "pointId" TEXT,
    "kind" TEXT,
    "fullReason" TEXT,
    "bytesSent" BIGINT NOT NULL DEFAULT 0,
    "durationMs" INTEGER,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "ReplicationRun_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "ReplicationJob" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "ReplicationJob_vmId_key" ON "ReplicationJob"("vmId");
CREATE UNIQUE INDEX "ReplicationJob_replicaVmId_key" ON "ReplicationJob"("replicaVmId");
CREATE INDEX "ReplicationJob_enabled_nextRunAt_idx" ON "ReplicationJob"("enabled", "nextRunAt");
CREATE INDEX "ReplicaPoint_jobId_takenAt_idx" ON "ReplicaPoint"("jobId", "takenAt");
CREATE INDEX "ReplicationRun_jobId_startedAt_idx" ON "ReplicationRun"("jobId", "startedAt");
