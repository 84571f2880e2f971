// Prisma 6.19 offline: the JavaScript schema engine over a driver adapter (no engine downloads).
// DATABASE_URL picks the database: file:... is SQLite (the embedded default, prisma/), postgres://
// is PostgreSQL (prisma/postgres/, generated from the SQLite master by `npm run db:schemas`).
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';
import { migrationAdapter } from './lib/db/pg-migration-adapter';
import { databaseProvider, databaseUrl } from './lib/db/url';

process.env.DATABASE_URL = databaseUrl();
const dir = databaseProvider(databaseUrl()) === 'postgresql' ? path.join('prisma', 'postgres') : 'prisma';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(dir, 'schema.prisma'),
  migrations: { path: path.join(dir, 'migrations') },
  adapter: async () =>
    databaseProvider(databaseUrl()) === 'postgresql'
      ? migrationAdapter(databaseUrl())
      : new PrismaBetterSQLite3({ url: databaseUrl() }),
});
