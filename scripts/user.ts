// User administration from the shell: `npm run user -- create <username> <role> [password]`,
// `npm run user -- reset-password <username>`. Prints generated passwords once.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { db } from '@/lib/db/client';
import { recordAudit, SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { createUser, createUserSchema } from '@/lib/domain/users/service';
import { parseInput } from '@/lib/http/validation';

const [cmd, username, ...rest] = process.argv.slice(2);
const generated = () => randomBytes(9).toString('base64url');

try {
  if (cmd === 'create') {
    const password = rest[1] ?? generated();
    await createUser(parseInput(createUserSchema, { username, role: rest[0], password }));
    console.log(`created ${username} (${rest[0]}) with password ${password}`);
  } else if (cmd === 'reset-password') {
    const password = rest[0] ?? generated();
    const user = await db().user.update({ where: { username }, data: { passwordHash: await bcrypt.hash(password, 10) } });
    await recordAudit({ actor: SYSTEM_ACTOR, action: 'user.reset-password', target: { type: 'user', id: user.id, name: username }, result: 'succeeded' });
    console.log(`new password for ${username}: ${password}`);
  } else {
    console.error('usage: npm run user -- create <username> <admin|operator|viewer> [password] | reset-password <username> [password]');
    process.exit(2);
  }
} catch (err) {
  console.error(`vmops: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
process.exit(0);
