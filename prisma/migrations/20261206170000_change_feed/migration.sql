-- CreateIndex
CREATE INDEX "Vm_updatedAt_idx" ON "Vm"("updatedAt");
