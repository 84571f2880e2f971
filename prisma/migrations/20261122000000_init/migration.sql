-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "username" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "EnrollmentToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tokenHash" TEXT NOT NULL,
    "hostName" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "agentUrl" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'online',
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

-- CreateTable
CREATE TABLE "StoragePool" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "totalBytes" BIGINT NOT NULL,
    "freeBytes" BIGINT NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "StoragePool_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Image" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'ready',
    "format" TEXT NOT NULL DEFAULT 'qcow2',
    "sizeBytes" BIGINT NOT NULL DEFAULT 0,
    "virtualSizeBytes" BIGINT NOT NULL DEFAULT 0,
    "sha256" TEXT NOT NULL DEFAULT '',
    "diskPath" TEXT NOT NULL DEFAULT '',
    "kernelPath" TEXT,
    "initrdPath" TEXT,
    "append" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Vm" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "imageId" TEXT,
    "state" TEXT NOT NULL DEFAULT 'provisioning',
    "guestReady" BOOLEAN NOT NULL DEFAULT false,
    "vcpus" INTEGER NOT NULL,
    "memoryMiB" INTEGER NOT NULL,
    "diskSizeBytes" BIGINT NOT NULL,
    "pool" TEXT NOT NULL DEFAULT 'local',
    "diskPath" TEXT NOT NULL DEFAULT '',
    "haEnabled" BOOLEAN NOT NULL DEFAULT false,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "lastError" TEXT,
    "cpuPct" REAL NOT NULL DEFAULT 0,
    "rssBytes" BIGINT NOT NULL DEFAULT 0,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Vm_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Vm_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "progress" REAL NOT NULL DEFAULT 0,
    "title" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "result" TEXT,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "createdById" TEXT,
    "createdByName" TEXT,
    "leaseOwner" TEXT,
    "leaseExpiresAt" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "TaskStep" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "taskId" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "level" TEXT NOT NULL DEFAULT 'info',
    "message" TEXT NOT NULL,
    CONSTRAINT "TaskStep_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" TEXT,
    "actorName" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "targetName" TEXT,
    "result" TEXT NOT NULL,
    "detail" TEXT NOT NULL DEFAULT '{}',
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "MetricSample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "hostId" TEXT NOT NULL,
    "vmId" TEXT,
    "cpuPct" REAL NOT NULL,
    "memUsedBytes" BIGINT NOT NULL DEFAULT 0,
    "memTotalBytes" BIGINT NOT NULL DEFAULT 0,
    "load1" REAL NOT NULL DEFAULT 0,
    "diskRdBytes" BIGINT NOT NULL DEFAULT 0,
    "diskWrBytes" BIGINT NOT NULL DEFAULT 0,
    "diskRdOps" BIGINT NOT NULL DEFAULT 0,
    "diskWrOps" BIGINT NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "MetricRollup" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "bucket" DATETIME NOT NULL,
    "hostId" TEXT NOT NULL,
    "vmId" TEXT NOT NULL DEFAULT '',
    "cpuPct" REAL NOT NULL,
    "memUsedBytes" BIGINT NOT NULL DEFAULT 0,
    "memTotalBytes" BIGINT NOT NULL DEFAULT 0,
    "load1" REAL NOT NULL DEFAULT 0,
    "diskRdBytes" BIGINT NOT NULL DEFAULT 0,
    "diskWrBytes" BIGINT NOT NULL DEFAULT 0
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE UNIQUE INDEX "EnrollmentToken_tokenHash_key" ON "EnrollmentToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Host_secretHash_key" ON "Host"("secretHash");

-- CreateIndex
CREATE UNIQUE INDEX "StoragePool_hostId_name_key" ON "StoragePool"("hostId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Image_name_version_key" ON "Image"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Vm_name_key" ON "Vm"("name");

-- CreateIndex
CREATE INDEX "Task_state_createdAt_idx" ON "Task"("state", "createdAt");

-- CreateIndex
CREATE INDEX "Task_targetType_targetId_idx" ON "Task"("targetType", "targetId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "MetricSample_hostId_vmId_at_idx" ON "MetricSample"("hostId", "vmId", "at");

-- CreateIndex
CREATE INDEX "MetricSample_vmId_at_idx" ON "MetricSample"("vmId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "MetricRollup_hostId_vmId_bucket_key" ON "MetricRollup"("hostId", "vmId", "bucket");

