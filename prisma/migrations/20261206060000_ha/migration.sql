-- AlterTable
ALTER TABLE "Vm" ADD COLUMN "haPriority" TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE "Vm" ADD COLUMN "haOrder" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "HaPolicy" (
    "id" TEXT NOT NULL PRIMARY KEY DEFAULT 'cluster',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "admission" TEXT NOT NULL DEFAULT 'off',
    "hostFailuresToTolerate" INTEGER NOT NULL DEFAULT 1,
    "failoverHostIds" TEXT NOT NULL DEFAULT '[]',
    "edacThreshold" INTEGER NOT NULL DEFAULT 100,
    "managerLeaseUntil" DATETIME,
    "managerLeaseBy" TEXT,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The single policy row, with its defaults (HA on for the VMs that have it; admission control off).
INSERT INTO "HaPolicy" ("id") VALUES ('cluster');

-- CreateTable
CREATE TABLE "HaHostState" (
    "hostId" TEXT NOT NULL PRIMARY KEY,
    "state" TEXT NOT NULL DEFAULT 'online',
    "reason" TEXT NOT NULL DEFAULT '',
    "since" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseAgeMs" INTEGER,
    "leaseGeneration" INTEGER,
    "observedBy" TEXT,
    "correctedErrors" INTEGER,
    "edacBaseline" INTEGER,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "HaRestart" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "failedAt" DATETIME,
    "detectedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" DATETIME,
    "qemuUpAt" DATETIME,
    "guestReadyAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "HaEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "hostId" TEXT,
    "vmId" TEXT,
    "message" TEXT NOT NULL,
    "data" TEXT NOT NULL DEFAULT '{}'
);

-- CreateIndex
CREATE INDEX "HaRestart_state_idx" ON "HaRestart"("state");

-- CreateIndex
CREATE INDEX "HaRestart_vmId_detectedAt_idx" ON "HaRestart"("vmId", "detectedAt");

-- CreateIndex
CREATE INDEX "HaEvent_at_idx" ON "HaEvent"("at");
