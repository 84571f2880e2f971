-- AlterTable
ALTER TABLE "ReplicationJob" ADD COLUMN "failoverPointId" TEXT;
ALTER TABLE "ReplicationJob" ADD COLUMN "failedOverAt" DATETIME;
ALTER TABLE "ReplicationJob" ADD COLUMN "reverseBaseId" TEXT;

-- AlterTable
ALTER TABLE "ReplicationRun" ADD COLUMN "direction" TEXT NOT NULL DEFAULT 'forward';
ALTER TABLE "ReplicationRun" ADD COLUMN "bytesPulled" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "FailoverPlan" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "members" TEXT NOT NULL DEFAULT '[]',
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "FailoverPlan_name_key" ON "FailoverPlan"("name");
