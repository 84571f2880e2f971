-- DropIndex
DROP INDEX "MetricRollup_hostId_vmId_bucket_key";

-- AlterTable
ALTER TABLE "MetricRollup" ADD COLUMN     "resolution" INTEGER NOT NULL DEFAULT 60;

-- CreateIndex
CREATE INDEX "MetricSample_at_idx" ON "MetricSample"("at");

-- CreateIndex
CREATE INDEX "MetricRollup_vmId_resolution_bucket_idx" ON "MetricRollup"("vmId", "resolution", "bucket");

-- CreateIndex
CREATE INDEX "MetricRollup_resolution_bucket_idx" ON "MetricRollup"("resolution", "bucket");

-- CreateIndex
CREATE UNIQUE INDEX "MetricRollup_hostId_vmId_resolution_bucket_key" ON "MetricRollup"("hostId", "vmId", "resolution", "bucket");

