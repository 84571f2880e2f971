import { describe, expect, it } from 'vitest';
import {
  finishOutgoingRequestSchema,
  incomingRequestSchema,
  migrateRequestSchema,
} from '@/lib/agent-protocol/migration';

const vm = {
  id: 'vm-1',
  name: 'vm 1',
  vcpus: 1,
  memoryMiB: 128,
  pool: 'shared',
  diskSizeBytes: 1 << 26,
  diskPath: '/s/pool/vms/vm-1/disk0.qcow2',
  backingPath: null,
};

describe('migration wire schemas', () => {
  it('shared mode needs the shared disk; storage mode needs none', () => {
    expect(incomingRequestSchema.safeParse({ vm, mode: 'shared' }).success).toBe(true);
    const noDisk = incomingRequestSchema.safeParse({ vm: { ...vm, diskPath: null }, mode: 'shared' });
    expect(noDisk.success).toBe(false);
    expect(noDisk.error?.issues[0].path).toEqual(['vm', 'diskPath']);
    expect(
      incomingRequestSchema.safeParse({
        vm: { ...vm, pool: 'local', diskPath: null, backingPath: '/s/images/a/1/disk.qcow2' },
        mode: 'storage',
      }).success,
    ).toBe(true);
  });

  it('rejects unknown fields and relative paths', () => {
    expect(incomingRequestSchema.safeParse({ vm: { ...vm, extra: 1 }, mode: 'shared' }).success).toBe(false);
    expect(incomingRequestSchema.safeParse({ vm: { ...vm, diskPath: 'disk0.qcow2' }, mode: 'shared' }).success).toBe(
      false,
    );
  });

  it('storage mode needs the NBD export; the URI must be tcp', () => {
    const nbd = { host: '10.0.0.2', port: 10809, exportName: 'x', backingPath: '/s/images/a/1/disk.qcow2' };
    expect(migrateRequestSchema.safeParse({ migrationUri: 'tcp:10.0.0.2:4444', nbd, mode: 'storage' }).success).toBe(
      true,
    );
    expect(
      migrateRequestSchema.safeParse({ migrationUri: 'tcp:10.0.0.2:4444', nbd: null, mode: 'storage' }).error?.issues[0]
        .path,
    ).toEqual(['nbd']);
    expect(migrateRequestSchema.safeParse({ migrationUri: 'exec:rm -rf /', nbd: null, mode: 'shared' }).success).toBe(
      false,
    );
    expect(
      migrateRequestSchema.safeParse({ migrationUri: 'tcp:h:1', nbd: null, mode: 'shared', downtimeLimitMs: 0 })
        .success,
    ).toBe(false);
  });

  it('finishing on the source names the mode (what to remove) and nothing else', () => {
    expect(finishOutgoingRequestSchema.safeParse({ mode: 'storage' }).success).toBe(true);
    expect(finishOutgoingRequestSchema.safeParse({}).success).toBe(false);
    expect(finishOutgoingRequestSchema.safeParse({ mode: 'storage', path: '/' }).success).toBe(false);
  });
});
