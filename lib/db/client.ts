import 'server-only';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { databaseUrl } from './url';

export type Db = PrismaClient;

const g = globalThis as unknown as { __vmopsDb?: PrismaClient };

// Created on first use and cached on globalThis: creating it at module load breaks `next build`
// while it collects page data, and dev reloads would otherwise open a connection per reload.
export function db(): PrismaClient {
  if (!g.__vmopsDb) {
    const adapter = new PrismaBetterSQLite3({ url: databaseUrl() });
    g.__vmopsDb = new PrismaClient({ adapter });
  }
  return g.__vmopsDb;
}
