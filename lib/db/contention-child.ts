// Test helper run as its own process (lib/db/client.test.ts): N read-then-write transactions
// extending the audit hash chain, as the dashboard and the worker do at once.
import { openDb } from './client';

const [url, label, count] = process.argv.slice(2);
const db = openDb(url);
for (let i = 0; i < Number(count); i++) {
  await db.$transaction(async (tx) => {
    const last = await tx.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } });
    await new Promise((r) => setTimeout(r, 2)); // hold the read while the other process writes
    await tx.auditEvent.create({
      data: {
        actorName: label,
        action: 'contention',
        result: 'succeeded',
        detail: '{}',
        prevHash: last?.hash ?? '0',
        hash: `${label}-${i}`,
      },
    });
  });
}
await db.$disconnect();
