import 'server-only';
import { Prisma } from '@/lib/generated/prisma/client';
import type { HaHostState as HaHostStateRow } from '@/lib/generated/prisma/client';
import { jsonRows, sqlTransaction } from '@/lib/db/sql-runner';

// Every host's HA state in one statement a tick (each row changes every tick: updatedAt is when
// its lease age was measured). One upsert per host was ~2,500 statements a second at fleet size.
export function writeHostStates(rows: HaHostStateRow[]): Promise<void> {
  if (!rows.length) return Promise.resolve();
  return sqlTransaction(async (sql) => {
    await sql.run(Prisma.sql`INSERT INTO "HaHostState" ("hostId", "state", "reason", "since", "leaseAgeMs",
        "leaseGeneration", "observedBy", "correctedErrors", "edacBaseline", "updatedAt")
      SELECT x."hostId", x."state", x."reason", x."since", x."leaseAgeMs", x."leaseGeneration", x."observedBy",
        x."correctedErrors", x."edacBaseline", x."updatedAt"
      FROM ${jsonRows(rows, {
        hostId: 'text',
        state: 'text',
        reason: 'text',
        since: 'timestamp(3)',
        leaseAgeMs: 'int8',
        leaseGeneration: 'int8',
        observedBy: 'text',
        correctedErrors: 'int8',
        edacBaseline: 'int8',
        updatedAt: 'timestamp(3)',
      })} AS x WHERE true
      ON CONFLICT ("hostId") DO UPDATE SET "state" = excluded."state", "reason" = excluded."reason",
        "since" = excluded."since", "leaseAgeMs" = excluded."leaseAgeMs",
        "leaseGeneration" = excluded."leaseGeneration", "observedBy" = excluded."observedBy",
        "correctedErrors" = excluded."correctedErrors", "edacBaseline" = excluded."edacBaseline",
        "updatedAt" = excluded."updatedAt"`);
  });
}
