-- AlterTable
ALTER TABLE "Vm" ADD COLUMN "currentSnapshotId" TEXT;
ALTER TABLE "Vm" ADD COLUMN "cloneOfSnapshotId" TEXT;

-- CreateTable
CREATE TABLE "Snapshot" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "vmId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "memory" BOOLEAN NOT NULL,
    "parentId" TEXT,
    "groupId" TEXT,
    "scheduleId" TEXT,
    "layerBytes" BIGINT NOT NULL DEFAULT 0,
    "stateBytes" BIGINT NOT NULL DEFAULT 0,
    "wasRunning" BOOLEAN NOT NULL DEFAULT false,
    "downtimeMs" INTEGER,
    "pauseMs" INTEGER,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "CheckpointGroup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "memory" BOOLEAN NOT NULL,
    "vmIds" TEXT NOT NULL DEFAULT '[]',
    "firstStopAt" DATETIME,
    "lastResumeAt" DATETIME,
    "pauseMs" INTEGER,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SnapshotSchedule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "selector" TEXT NOT NULL DEFAULT '{}',
    "memory" BOOLEAN NOT NULL DEFAULT false,
    "schedule" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "keep" INTEGER NOT NULL DEFAULT 7,
    "nextRunAt" DATETIME,
    "lastRunAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Snapshot_vmId_createdAt_idx" ON "Snapshot"("vmId", "createdAt");
CREATE INDEX "Snapshot_groupId_idx" ON "Snapshot"("groupId");
CREATE INDEX "Snapshot_scheduleId_createdAt_idx" ON "Snapshot"("scheduleId", "createdAt");
CREATE INDEX "CheckpointGroup_createdAt_idx" ON "CheckpointGroup"("createdAt");
CREATE UNIQUE INDEX "SnapshotSchedule_name_key" ON "SnapshotSchedule"("name");
