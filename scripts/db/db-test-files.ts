// The integration test files that open a database: those reaching lib/testing/test-db.ts through
// their imports (directly or through a helper of lib/testing that does). The rest never touch one.
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
  return readdirSync(path.join(root, 'lib'), { recursive: true, encoding: 'utf8' })
    .map((f) => path.join('lib', f))
    .filter((f) => f.endsWith('.integ.ts') && importsHelper(readFileSync(path.join(root, f), 'utf8')))
    .sort();
}
