import { describe, expect, it } from 'vitest';
import { databaseProvider } from './url';

describe('databaseProvider', () => {
  it('reads the engine from the URL and refuses anything else', () => {
    expect(databaseProvider('file:/var/lib/vmops/vmops.db')).toBe('sqlite');
    expect(databaseProvider('postgresql://vmops@db:5432/vmops')).toBe('postgresql');
    expect(databaseProvider('postgres://vmops@db/vmops')).toBe('postgresql');
    // The scheme only: the rest of a URL may hold a password.
    expect(() => databaseProvider('mysql://root:secret@db/vmops')).toThrow(/DATABASE_URL must be file:.* not mysql:$/);
    expect(() => databaseProvider('vmops.db')).toThrow(/not this value$/);
  });
});
