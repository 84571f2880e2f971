// The integration test files that open a database: those reaching lib/testing/test-db.ts through
// their imports (directly or through a helper of lib/testing that does). The rest never touch one.
// Left to the SQLite pass: files whose minutes go to QEMU and HA timing, not to the database; what
// they ask of it runs on PostgreSQL elsewhere (the HA manager's compare-and-set lease every second
// in scale-out.integ.ts's two workers; a VM's state and warnings in provision.integ.ts).
const SQLITE_ONLY = new Set(['lib/domain/ha/ha-failover.integ.ts', 'lib/worker/vm-availability.integ.ts']);
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export function integFilesWithDatabase(): string[] {
  const helpers = new Set(['test-db']);
  const testing = readdirSync(path.join(root, 'lib/testing')).filter((f) => f.endsWith('.ts'));
  const importsHelper = (text: string) =>
    [...helpers].some((h) => text.includes(`'./${h}'`) || text.includes(`'@/lib/testing/${h}'`));
  for (let grew = true; grew;) {
    grew = false;
    for (const f of testing) {
      const name = f.replace(/\.ts$/, '');
      if (!helpers.has(name) && importsHelper(readFileSync(path.join(root, 'lib/testing', f), 'utf8'))) {
        helpers.add(name);
        grew = true;
      }
    }
  }
  return ['lib', 'scripts']
    .flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)),
    )
    .filter((f) => f.endsWith('.integ.ts') && !SQLITE_ONLY.has(f))
    .filter((f) => importsHelper(readFileSync(path.join(root, f), 'utf8')))
    .sort();
}
