import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { integFilesWithDatabase } from './db-test-files';
import { pgSchemaFrom, PG_SCHEMA, SQLITE_SCHEMA } from './schema-files';

describe('the PostgreSQL schema', () => {
  it('is the master with only provider and output changed, as committed (run `npm run db:schemas`)', () => {
    const master = readFileSync(SQLITE_SCHEMA, 'utf8');
    const pg = pgSchemaFrom(master);
    expect(readFileSync(PG_SCHEMA, 'utf8')).toBe(pg);
    expect(pg).toContain('provider = "postgresql"');
    expect(pg).toContain('output     = "../../lib/generated/prisma-pg"');
    const models = (text: string) => text.slice(text.indexOf('model '));
    expect(models(pg)).toBe(models(master));
  });

  it('refuses a master it cannot recognise instead of writing a wrong schema', () => {
    expect(() => pgSchemaFrom('datasource db {\n  provider = "mysql"\n}')).toThrow(/no \/provider = "sqlite"\//);
  });
});

describe('integration files run again on PostgreSQL', () => {
  it('are those that open a database, directly or through a testing helper', () => {
    const files = integFilesWithDatabase();
    expect(files).toContain('lib/worker/provision.integ.ts'); // imports test-db itself
    expect(files).toContain('lib/worker/replication.integ.ts'); // through lib/testing/cluster.ts
    expect(files).not.toContain('lib/agent/replication/send.integ.ts'); // an agent alone, no database
    expect(files).not.toContain('lib/domain/ha/ha-failover.integ.ts'); // minutes of HA timing: SQLite pass only
  });
});
