-- CreateTable
CREATE TABLE "HostLink" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sourceHostId" TEXT NOT NULL,
    "targetHostId" TEXT NOT NULL,
    "bytesPerSec" REAL NOT NULL,
    "qemuStartMs" INTEGER NOT NULL,
    "probeMs" INTEGER NOT NULL,
    "probeBytes" BIGINT NOT NULL,
    "measuredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "HostLink_sourceHostId_targetHostId_key" ON "HostLink"("sourceHostId", "targetHostId");
