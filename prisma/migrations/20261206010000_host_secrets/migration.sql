-- Two credentials per host instead of one shared plain secret. The old secret's SHA-256 already
-- is the agent's token hash; the plain secret moves to "legacySecret" until the dashboard or
-- worker seals it with the key file (SQL cannot) and clears it (lib/domain/hosts/credentials.ts).
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Host" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "agentUrl" TEXT NOT NULL,
    "agentTokenHash" TEXT NOT NULL,
    "dashboardSecretBox" TEXT,
    "legacySecret" TEXT,
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
INSERT INTO "new_Host" ("accelerator", "acceleratorReason", "agentTokenHash", "legacySecret", "agentUrl", "agentVersion", "cpuCount", "cpuModel", "cpuPct", "driver", "enrolledAt", "evacuatedVmIds", "id", "lastHeartbeat", "maintenance", "maintenanceSince", "memoryTotalBytes", "memoryUsedBytes", "name", "qemuVersion", "status") SELECT "accelerator", "acceleratorReason", "secretHash", "secret", "agentUrl", "agentVersion", "cpuCount", "cpuModel", "cpuPct", "driver", "enrolledAt", "evacuatedVmIds", "id", "lastHeartbeat", "maintenance", "maintenanceSince", "memoryTotalBytes", "memoryUsedBytes", "name", "qemuVersion", "status" FROM "Host";
DROP TABLE "Host";
ALTER TABLE "new_Host" RENAME TO "Host";
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");
CREATE UNIQUE INDEX "Host_agentTokenHash_key" ON "Host"("agentTokenHash");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

