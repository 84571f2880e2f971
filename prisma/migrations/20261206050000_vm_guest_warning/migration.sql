-- AlterTable
ALTER TABLE "Vm" ADD COLUMN "guestWarning" TEXT;
