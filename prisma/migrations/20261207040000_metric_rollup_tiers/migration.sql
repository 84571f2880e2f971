-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_MetricRollup" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "resolution" INTEGER NOT NULL DEFAULT 60,
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
INSERT INTO "new_MetricRollup" ("bucket", "cpuPct", "diskRdBytes", "diskWrBytes", "hostId", "id", "load1", "memTotalBytes", "memUsedBytes", "vmId") SELECT "bucket", "cpuPct", "diskRdBytes", "diskWrBytes", "hostId", "id", "load1", "memTotalBytes", "memUsedBytes", "vmId" FROM "MetricRollup";
DROP TABLE "MetricRollup";
ALTER TABLE "new_MetricRollup" RENAME TO "MetricRollup";
CREATE INDEX "MetricRollup_vmId_resolution_bucket_idx" ON "MetricRollup"("vmId", "resolution", "bucket");
CREATE INDEX "MetricRollup_resolution_bucket_idx" ON "MetricRollup"("resolution", "bucket");
CREATE UNIQUE INDEX "MetricRollup_hostId_vmId_resolution_bucket_key" ON "MetricRollup"("hostId", "vmId", "resolution", "bucket");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "MetricSample_at_idx" ON "MetricSample"("at");

