-- AlterTable
ALTER TABLE "Migration" ADD COLUMN "transferMs" INTEGER;
