-- AlterTable
ALTER TABLE "Image" ADD COLUMN "minMemoryMiB" INTEGER;
