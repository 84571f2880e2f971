// First-run setup against the migrated database: the first admin (random password, printed),
// enrollment tokens for the local agents that are not enrolled yet. Prints JSON for the caller.
import { randomBytes } from 'node:crypto';
import { db } from '@/lib/db/client';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { createUser } from '@/lib/domain/users/service';

const hostNames = process.argv.slice(2);
const out: { adminCreated: boolean; adminPassword?: string; tokens: Record<string, string> } = { adminCreated: false, tokens: {} };

if ((await db().user.count({ where: { role: 'admin' } })) === 0) {
  const password = process.env.VMOPS_ADMIN_PASSWORD ?? randomBytes(9).toString('base64url');
  await createUser({ username: 'admin', name: 'Administrator', role: 'admin', password });
  out.adminCreated = true;
  out.adminPassword = password;
}
for (const name of hostNames) {
  if (!(await db().host.findUnique({ where: { name } }))) out.tokens[name] = await createEnrollmentToken(name);
}
console.log(JSON.stringify(out));
process.exit(0);
