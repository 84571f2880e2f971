-- AlterTable
ALTER TABLE "Image" ADD COLUMN "site" TEXT NOT NULL DEFAULT 'main';
