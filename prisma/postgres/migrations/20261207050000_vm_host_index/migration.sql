-- CreateIndex
CREATE INDEX "Vm_hostId_idx" ON "Vm"("hostId");

