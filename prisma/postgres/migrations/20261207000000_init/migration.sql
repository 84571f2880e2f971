-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "disabledAt" TIMESTAMP(3),
    "sessionVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EnrollmentToken" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "hostName" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnrollmentToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "agentUrl" TEXT NOT NULL,
    "agentTokenHash" TEXT NOT NULL,
    "dashboardSecretBox" TEXT,
    "legacySecret" TEXT,
    "status" TEXT NOT NULL DEFAULT 'online',
    "maintenance" BOOLEAN NOT NULL DEFAULT false,
    "maintenanceSince" TIMESTAMP(3),
    "evacuatedVmIds" TEXT NOT NULL DEFAULT '[]',
    "lastHeartbeat" TIMESTAMP(3),
    "driver" TEXT NOT NULL DEFAULT 'qemu',
    "agentVersion" TEXT NOT NULL DEFAULT '',
    "qemuVersion" TEXT,
    "accelerator" TEXT NOT NULL DEFAULT 'tcg',
    "acceleratorReason" TEXT NOT NULL DEFAULT '',
    "cpuCount" INTEGER NOT NULL DEFAULT 1,
    "cpuModel" TEXT NOT NULL DEFAULT '',
    "memoryTotalBytes" BIGINT NOT NULL DEFAULT 0,
    "memoryUsedBytes" BIGINT NOT NULL DEFAULT 0,
    "cpuPct" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "enrolledAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "site" TEXT NOT NULL DEFAULT 'main',

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StoragePool" (
    "id" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "totalBytes" BIGINT NOT NULL,
    "freeBytes" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StoragePool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Image" (
    "id" TEXT NOT NULL,
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
    "minMemoryMiB" INTEGER,
    "site" TEXT NOT NULL DEFAULT 'main',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Image_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Vm" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "imageId" TEXT,
    "state" TEXT NOT NULL DEFAULT 'provisioning',
    "guestReady" BOOLEAN NOT NULL DEFAULT false,
    "guestWarning" TEXT,
    "vcpus" INTEGER NOT NULL,
    "memoryMiB" INTEGER NOT NULL,
    "diskSizeBytes" BIGINT NOT NULL,
    "pool" TEXT NOT NULL DEFAULT 'local',
    "diskPath" TEXT NOT NULL DEFAULT '',
    "haEnabled" BOOLEAN NOT NULL DEFAULT false,
    "haPriority" TEXT NOT NULL DEFAULT 'medium',
    "haOrder" INTEGER NOT NULL DEFAULT 0,
    "lastMigratedAt" TIMESTAMP(3),
    "currentSnapshotId" TEXT,
    "cloneOfSnapshotId" TEXT,
    "role" TEXT NOT NULL DEFAULT 'vm',
    "replicaOfId" TEXT,
    "drState" TEXT,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "lastError" TEXT,
    "cpuPct" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "rssBytes" BIGINT NOT NULL DEFAULT 0,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Vm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
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
    "leaseExpiresAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TaskStep" (
    "id" SERIAL NOT NULL,
    "taskId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "level" TEXT NOT NULL DEFAULT 'info',
    "message" TEXT NOT NULL,

    CONSTRAINT "TaskStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" TEXT,
    "actorName" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "targetName" TEXT,
    "result" TEXT NOT NULL,
    "detail" TEXT NOT NULL DEFAULT '{}',
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetricSample" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "hostId" TEXT NOT NULL,
    "vmId" TEXT,
    "cpuPct" DOUBLE PRECISION NOT NULL,
    "memUsedBytes" BIGINT NOT NULL DEFAULT 0,
    "memTotalBytes" BIGINT NOT NULL DEFAULT 0,
    "load1" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "diskRdBytes" BIGINT NOT NULL DEFAULT 0,
    "diskWrBytes" BIGINT NOT NULL DEFAULT 0,
    "diskRdOps" BIGINT NOT NULL DEFAULT 0,
    "diskWrOps" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "MetricSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetricRollup" (
    "id" SERIAL NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "hostId" TEXT NOT NULL,
    "vmId" TEXT NOT NULL DEFAULT '',
    "cpuPct" DOUBLE PRECISION NOT NULL,
    "memUsedBytes" BIGINT NOT NULL DEFAULT 0,
    "memTotalBytes" BIGINT NOT NULL DEFAULT 0,
    "load1" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "diskRdBytes" BIGINT NOT NULL DEFAULT 0,
    "diskWrBytes" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "MetricRollup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackupRepository" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "hostId" TEXT,
    "path" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'unknown',
    "lastError" TEXT,
    "totalBytes" BIGINT NOT NULL DEFAULT 0,
    "freeBytes" BIGINT NOT NULL DEFAULT 0,
    "usedBytes" BIGINT NOT NULL DEFAULT 0,
    "checkedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BackupRepository_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RepositoryUsageSample" (
    "id" SERIAL NOT NULL,
    "repositoryId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedBytes" BIGINT NOT NULL,
    "freeBytes" BIGINT NOT NULL,

    CONSTRAINT "RepositoryUsageSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackupJob" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "repositoryId" TEXT NOT NULL,
    "selector" TEXT NOT NULL DEFAULT '{}',
    "schedule" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "retention" TEXT NOT NULL DEFAULT '{}',
    "concurrency" INTEGER NOT NULL DEFAULT 1,
    "verifySchedule" TEXT,
    "nextRunAt" TIMESTAMP(3),
    "nextVerifyAt" TIMESTAMP(3),
    "lastRunAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BackupJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackupRun" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "taskId" TEXT,
    "trigger" TEXT NOT NULL DEFAULT 'schedule',
    "state" TEXT NOT NULL DEFAULT 'running',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "bytesWritten" BIGINT NOT NULL DEFAULT 0,
    "sizeBytes" BIGINT NOT NULL DEFAULT 0,
    "vmCount" INTEGER NOT NULL DEFAULT 0,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "results" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "BackupRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RestorePoint" (
    "id" TEXT NOT NULL,
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
    "takenAt" TIMESTAMP(3) NOT NULL,
    "vmSpec" TEXT NOT NULL DEFAULT '{}',
    "verifyState" TEXT NOT NULL DEFAULT 'unverified',
    "verifyMessage" TEXT,
    "verifiedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RestorePoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HostLink" (
    "id" TEXT NOT NULL,
    "sourceHostId" TEXT NOT NULL,
    "targetHostId" TEXT NOT NULL,
    "bytesPerSec" DOUBLE PRECISION NOT NULL,
    "qemuStartMs" INTEGER NOT NULL,
    "probeMs" INTEGER NOT NULL,
    "probeBytes" BIGINT NOT NULL,
    "measuredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HostLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Migration" (
    "id" TEXT NOT NULL,
    "vmId" TEXT NOT NULL,
    "vmName" TEXT NOT NULL,
    "sourceHostId" TEXT NOT NULL,
    "targetHostId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'running',
    "taskId" TEXT,
    "estimate" TEXT NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "transferMs" INTEGER,
    "downtimeMs" INTEGER,
    "bytesTransferred" BIGINT NOT NULL DEFAULT 0,
    "diskBytes" BIGINT NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "Migration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BalancerPolicy" (
    "id" TEXT NOT NULL DEFAULT 'cluster',
    "mode" TEXT NOT NULL DEFAULT 'off',
    "intervalSec" INTEGER NOT NULL DEFAULT 300,
    "cpuThresholdPct" DOUBLE PRECISION NOT NULL DEFAULT 80,
    "memThresholdPct" DOUBLE PRECISION NOT NULL DEFAULT 85,
    "maxConcurrent" INTEGER NOT NULL DEFAULT 2,
    "cooldownMin" INTEGER NOT NULL DEFAULT 30,
    "excludedVmIds" TEXT NOT NULL DEFAULT '[]',
    "rules" TEXT NOT NULL DEFAULT '[]',
    "lastRunAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BalancerPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BalancerRun" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "mode" TEXT NOT NULL,
    "trigger" TEXT NOT NULL DEFAULT 'schedule',
    "imbalanceBefore" DOUBLE PRECISION NOT NULL,
    "imbalanceAfter" DOUBLE PRECISION NOT NULL,
    "hostsBefore" TEXT NOT NULL DEFAULT '[]',
    "hostsAfter" TEXT NOT NULL DEFAULT '[]',
    "durationMs" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "BalancerRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BalancerRecommendation" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "vmId" TEXT NOT NULL,
    "vmName" TEXT NOT NULL,
    "sourceHostId" TEXT NOT NULL,
    "targetHostId" TEXT NOT NULL,
    "gain" DOUBLE PRECISION NOT NULL,
    "cost" DOUBLE PRECISION NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "taskId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BalancerRecommendation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HaPolicy" (
    "id" TEXT NOT NULL DEFAULT 'cluster',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "admission" TEXT NOT NULL DEFAULT 'off',
    "hostFailuresToTolerate" INTEGER NOT NULL DEFAULT 1,
    "failoverHostIds" TEXT NOT NULL DEFAULT '[]',
    "edacThreshold" INTEGER NOT NULL DEFAULT 100,
    "managerLeaseUntil" TIMESTAMP(3),
    "managerLeaseBy" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HaPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HaHostState" (
    "hostId" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'online',
    "reason" TEXT NOT NULL DEFAULT '',
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseAgeMs" INTEGER,
    "leaseGeneration" INTEGER,
    "observedBy" TEXT,
    "correctedErrors" INTEGER,
    "edacBaseline" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HaHostState_pkey" PRIMARY KEY ("hostId")
);

-- CreateTable
CREATE TABLE "HaRestart" (
    "id" TEXT NOT NULL,
    "vmId" TEXT NOT NULL,
    "vmName" TEXT NOT NULL,
    "fromHostId" TEXT NOT NULL,
    "targetHostId" TEXT,
    "pinnedHostId" TEXT,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT NOT NULL DEFAULT '',
    "manual" BOOLEAN NOT NULL DEFAULT false,
    "requestedBy" TEXT,
    "priority" TEXT NOT NULL DEFAULT 'medium',
    "taskId" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "failedAt" TIMESTAMP(3),
    "detectedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMP(3),
    "qemuUpAt" TIMESTAMP(3),
    "guestReadyAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HaRestart_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HaEvent" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "hostId" TEXT,
    "vmId" TEXT,
    "message" TEXT NOT NULL,
    "data" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "HaEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Snapshot" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Snapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CheckpointGroup" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "memory" BOOLEAN NOT NULL,
    "vmIds" TEXT NOT NULL DEFAULT '[]',
    "firstStopAt" TIMESTAMP(3),
    "lastResumeAt" TIMESTAMP(3),
    "pauseMs" INTEGER,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CheckpointGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SnapshotSchedule" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "selector" TEXT NOT NULL DEFAULT '{}',
    "memory" BOOLEAN NOT NULL DEFAULT false,
    "schedule" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "keep" INTEGER NOT NULL DEFAULT 7,
    "nextRunAt" TIMESTAMP(3),
    "lastRunAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SnapshotSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReplicationJob" (
    "id" TEXT NOT NULL,
    "vmId" TEXT NOT NULL,
    "replicaVmId" TEXT NOT NULL,
    "targetHostId" TEXT NOT NULL,
    "intervalSec" INTEGER NOT NULL,
    "keepPoints" INTEGER NOT NULL,
    "rpoTargetSec" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "state" TEXT NOT NULL DEFAULT 'active',
    "failoverPointId" TEXT,
    "failedOverAt" TIMESTAMP(3),
    "reverseBaseId" TEXT,
    "fullRequested" BOOLEAN NOT NULL DEFAULT false,
    "nextRunAt" TIMESTAMP(3),
    "lastRunAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplicationJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReplicaPoint" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "fullReason" TEXT,
    "bytesSent" BIGINT NOT NULL DEFAULT 0,
    "layerBytes" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReplicaPoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReplicationRun" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "taskId" TEXT,
    "direction" TEXT NOT NULL DEFAULT 'forward',
    "bytesPulled" BIGINT NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL,
    "pointId" TEXT,
    "kind" TEXT,
    "fullReason" TEXT,
    "bytesSent" BIGINT NOT NULL DEFAULT 0,
    "durationMs" INTEGER,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ReplicationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FailoverPlan" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "members" TEXT NOT NULL DEFAULT '[]',
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FailoverPlan_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE UNIQUE INDEX "EnrollmentToken_tokenHash_key" ON "EnrollmentToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Host_agentTokenHash_key" ON "Host"("agentTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "StoragePool_hostId_name_key" ON "StoragePool"("hostId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Image_name_version_key" ON "Image"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Vm_name_key" ON "Vm"("name");

-- CreateIndex
CREATE INDEX "Vm_updatedAt_idx" ON "Vm"("updatedAt");

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
CREATE UNIQUE INDEX "HostLink_sourceHostId_targetHostId_key" ON "HostLink"("sourceHostId", "targetHostId");

-- CreateIndex
CREATE INDEX "Migration_vmId_startedAt_idx" ON "Migration"("vmId", "startedAt");

-- CreateIndex
CREATE INDEX "Migration_startedAt_idx" ON "Migration"("startedAt");

-- CreateIndex
CREATE INDEX "BalancerRun_at_idx" ON "BalancerRun"("at");

-- CreateIndex
CREATE INDEX "BalancerRecommendation_state_idx" ON "BalancerRecommendation"("state");

-- CreateIndex
CREATE INDEX "HaRestart_state_idx" ON "HaRestart"("state");

-- CreateIndex
CREATE INDEX "HaRestart_vmId_detectedAt_idx" ON "HaRestart"("vmId", "detectedAt");

-- CreateIndex
CREATE INDEX "HaEvent_at_idx" ON "HaEvent"("at");

-- CreateIndex
CREATE INDEX "Snapshot_vmId_createdAt_idx" ON "Snapshot"("vmId", "createdAt");

-- CreateIndex
CREATE INDEX "Snapshot_groupId_idx" ON "Snapshot"("groupId");

-- CreateIndex
CREATE INDEX "Snapshot_scheduleId_createdAt_idx" ON "Snapshot"("scheduleId", "createdAt");

-- CreateIndex
CREATE INDEX "CheckpointGroup_createdAt_idx" ON "CheckpointGroup"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "SnapshotSchedule_name_key" ON "SnapshotSchedule"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ReplicationJob_vmId_key" ON "ReplicationJob"("vmId");

-- CreateIndex
CREATE UNIQUE INDEX "ReplicationJob_replicaVmId_key" ON "ReplicationJob"("replicaVmId");

-- CreateIndex
CREATE INDEX "ReplicationJob_enabled_nextRunAt_idx" ON "ReplicationJob"("enabled", "nextRunAt");

-- CreateIndex
CREATE INDEX "ReplicaPoint_jobId_takenAt_idx" ON "ReplicaPoint"("jobId", "takenAt");

-- CreateIndex
CREATE INDEX "ReplicationRun_jobId_startedAt_idx" ON "ReplicationRun"("jobId", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "FailoverPlan_name_key" ON "FailoverPlan"("name");

-- AddForeignKey
ALTER TABLE "StoragePool" ADD CONSTRAINT "StoragePool_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Vm" ADD CONSTRAINT "Vm_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Vm" ADD CONSTRAINT "Vm_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TaskStep" ADD CONSTRAINT "TaskStep_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryUsageSample" ADD CONSTRAINT "RepositoryUsageSample_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "BackupRepository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupJob" ADD CONSTRAINT "BackupJob_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "BackupRepository"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupRun" ADD CONSTRAINT "BackupRun_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "BackupJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BalancerRecommendation" ADD CONSTRAINT "BalancerRecommendation_runId_fkey" FOREIGN KEY ("runId") REFERENCES "BalancerRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplicaPoint" ADD CONSTRAINT "ReplicaPoint_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "ReplicationJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplicationRun" ADD CONSTRAINT "ReplicationRun_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "ReplicationJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

