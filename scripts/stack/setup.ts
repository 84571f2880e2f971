// First-run setup against the migrated database: the first admin (random password, printed),
// enrollment tokens for the local agents that are not enrolled yet; on every start, seals agent
// secrets left in plain text by an older version. Prints JSON for the caller.
import { randomBytes } from 'node:crypto';
import { db } from '@/lib/db/client';
import { sealLegacyHostSecrets } from '@/lib/domain/hosts/credentials';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { createUser } from '@/lib/domain/users/accounts';

const hostNames = process.argv.slice(2);
const out: {
  adminCreated: boolean;
  adminPassword?: string;
  tokens: Record<string, string>;
  sealedLegacySecrets: number;
} = {
  adminCreated: false,
  tokens: {},
  sealedLegacySecrets: await sealLegacyHostSecrets(),
};

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
