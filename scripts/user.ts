// User administration from the shell: `npm run user -- create <username> <role> [password]`,
// `npm run user -- reset-password <username>`. Prints generated passwords once.
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { createUserSchema, resetPasswordSchema } from '@/lib/domain/users/schemas';
import { createUser, setPassword } from '@/lib/domain/users/accounts';
import { noSuchObject } from '@/lib/errors';
import { parseInput } from '@/lib/http/validation';

const [cmd, username, ...rest] = process.argv.slice(2);

try {
  if (cmd === 'create') {
    const { password } = await createUser(parseInput(createUserSchema, { username, role: rest[0], password: rest[1] }));
    console.log(`created ${username} (${rest[0]}) with password ${password}`);
  } else if (cmd === 'reset-password') {
    const user = await db().user.findUnique({ where: { username: username ?? '' } });
    if (!user) throw noSuchObject('user', username ?? '');
    const { password } = await setPassword(
      user.id,
      parseInput(resetPasswordSchema, { password: rest[0] }),
      SYSTEM_ACTOR,
    );
    console.log(`new password for ${username}: ${password}`);
  } else {
    console.error(
      'usage: npm run user -- create <username> <admin|operator|viewer> [password] | reset-password <username> [password]',
    );
    process.exit(2);
  }
} catch (err) {
  console.error(`vmops: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
process.exit(0);
