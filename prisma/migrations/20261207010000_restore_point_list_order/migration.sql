-- CreateIndex
CREATE INDEX "RestorePoint_takenAt_id_idx" ON "RestorePoint"("takenAt", "id");

-- CreateIndex
CREATE INDEX "RestorePoint_sizeBytes_id_idx" ON "RestorePoint"("sizeBytes", "id");

-- CreateIndex
CREATE INDEX "RestorePoint_vmName_id_idx" ON "RestorePoint"("vmName", "id");
