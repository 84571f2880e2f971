import { describe, expect, it } from 'vitest';
import { invalidInput } from '@/lib/errors';
import { parseInput } from '@/lib/http/validation';
import { incomingRequestSchema, migrateRequestSchema } from '@/lib/agent-protocol/migration';
import {
  absPathSchema,
  createVmRequestSchema,
  heartbeatSchema,
  serialRequestSchema,
  vmSpecSchema,
  type Heartbeat,
} from '@/lib/agent-protocol/core';
import { restoreVmRequestSchema } from '@/lib/agent-protocol/restore';

const refused = (schema: Parameters<typeof parseInput>[0], input: unknown) => {
  try {
    parseInput(schema, input);
  } catch (err) {
    return invalidInput.is(err)
      ? Object.keys((err.data as { fields: Record<string, string[]> }).fields)
      : ['not a 422'];
  }
  return [];
};

describe('absPathSchema', () => {
  it('takes absolute, normalised paths and refuses dot segments, "//", NUL, relative and huge ones', () => {
    for (const ok of ['/', '/srv/images/a.qcow2', '/a/.hidden/b..c'])
      expect(absPathSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of [
      '',
      'srv/a',
      './a',
      '/a/../etc/passwd',
      '/a/..',
      '/a/./b',
      '/a//b',
      '/a/',
      '/a\u0000b',
      `/${'a'.repeat(4096)}`,
    ])
      expect(absPathSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('agent request schemas', () => {
  const vm = {
    id: 'vm-one',
    name: 'one',
    vcpus: 1,
    memoryMiB: 128,
    diskSizeBytes: 1 << 26,
    baseImagePath: '/srv/images/a/1/disk.qcow2',
  };
  it('createVm: exact types, bounded sizes, normalised paths, a pool name', () => {
    expect(refused(createVmRequestSchema, vm)).toEqual([]);
    expect(refused(createVmRequestSchema, { ...vm, vcpus: true, memoryMiB: '128', diskSizeBytes: [1] })).toEqual([
      'vcpus',
      'memoryMiB',
      'diskSizeBytes',
    ]);
    expect(
      refused(createVmRequestSchema, {
        ...vm,
        diskSizeBytes: 1e308,
        pool: '../pool',
        baseImagePath: '/srv/images/../../etc/shadow',
      }),
    ).toEqual(['pool', 'diskSizeBytes', 'baseImagePath']);
    expect(
      refused(createVmRequestSchema, { ...vm, boot: { kernelPath: 'vmlinux', append: 'x'.repeat(5000) } }),
    ).toEqual(['boot.kernelPath', 'boot.append']);
  });
  it('serial: one line only', () => {
    expect(refused(serialRequestSchema, { line: 'write 3' })).toEqual([]);
    expect(refused(serialRequestSchema, { line: 'status\npoweroff' })).toEqual(['line']);
  });
  it('migrate: the URI is tcp:<host>:<port> and nothing more', () => {
    const req = { migrationUri: 'tcp:[::1]:4444', nbd: null, mode: 'shared' };
    expect(refused(migrateRequestSchema, req)).toEqual([]);
    expect(refused(migrateRequestSchema, { ...req, migrationUri: 'tcp:127.0.0.1:4444,fd=3' })).toEqual([
      'migrationUri',
    ]);
    expect(refused(migrateRequestSchema, { ...req, migrationUri: 'exec:rm -rf /' })).toEqual(['migrationUri']);
  });
});

describe('vmSpecSchema', () => {
  // Create, restore and incoming migration describe the VM with the same fields and rules: the
  // restore and migration copies had drifted (a default pool in one, none in the other).
  it('is the VM part of create, restore and incoming migration, field for field', () => {
    for (const [name, shape] of Object.entries({
      create: createVmRequestSchema.shape,
      restore: restoreVmRequestSchema.shape.vm.shape,
      incoming: incomingRequestSchema.shape.vm.shape,
    }))
      for (const [field, schema] of Object.entries(vmSpecSchema.shape))
        expect(shape[field as keyof typeof shape], `${name}.${field}`).toBe(schema);
  });

  it('defaults the pool to local and refuses unknown fields in each', () => {
    const vm = { id: 'vm-spec-01', name: 'x', vcpus: 1, memoryMiB: 64 };
    expect(restoreVmRequestSchema.parse({ vm, sourcePath: '/r/p.qcow2', mode: 'copy' }).vm.pool).toBe('local');
    expect(
      incomingRequestSchema.parse({
        vm: { ...vm, diskSizeBytes: 1, diskPath: null, backingPath: null },
        mode: 'storage',
      }).vm.pool,
    ).toBe('local');
    expect(
      refused(restoreVmRequestSchema, { vm: { ...vm, extra: 1 }, sourcePath: '/r/p.qcow2', mode: 'copy' }),
    ).toEqual(['vm.extra']);
    expect(
      refused(incomingRequestSchema, {
        vm: { ...vm, extra: 1, diskSizeBytes: 1, diskPath: null, backingPath: null },
        mode: 'storage',
      }),
    ).toEqual(['vm.extra']);
  });
});

describe('heartbeatSchema', () => {
  const hb = (): Heartbeat => ({
    at: '2026-12-06T09:00:00.000Z',
    info: {
      hostName: 'h1',
      site: 'main',
      agentVersion: '0.1.0',
      driver: 'qemu',
      qemuVersion: '7.2.0',
      accelerator: 'tcg',
      acceleratorReason: 'TCG',
      cpuCount: 2,
      cpuModel: 'cpu',
      memoryTotalBytes: 8e9,
      kernel: 'Linux',
      pools: [],
    },
    host: { cpuPct: 5, memUsedBytes: 1e9, memTotalBytes: 8e9, load1: 0.5, load5: 0.4, load15: 0.3 },
    vms: [
      {
        id: 'vm-a',
        state: 'running',
        guestReady: true,
        cpuPct: 3,
        rssBytes: 1e8,
        diskRdBytes: 1,
        diskWrBytes: 2,
        diskRdOps: 3,
        diskWrOps: 4,
      },
    ],
  });
  it('takes what the sampler sends', () => expect(refused(heartbeatSchema, hb())).toEqual([]));
  it('refuses dates that are none, numbers out of range, unknown keys and a VM twice', () => {
    expect(refused(heartbeatSchema, { ...hb(), at: '2026-02-30T00:00:00Z' })).toEqual(['at']);
    expect(refused(heartbeatSchema, { ...hb(), host: { ...hb().host, memUsedBytes: 1e308, cpuPct: -1 } })).toEqual([
      'host.cpuPct',
      'host.memUsedBytes',
    ]);
    expect(refused(heartbeatSchema, JSON.parse(JSON.stringify(hb()).replace('"load1":0.5', '"load1":1e400')))).toEqual([
      'host.load1',
    ]);
    expect(refused(heartbeatSchema, { ...hb(), extra: 1, info: { ...hb().info, constructor: 1 } })).toEqual([
      'info.constructor',
      'extra',
    ]);
    expect(refused(heartbeatSchema, { ...hb(), vms: [hb().vms[0], hb().vms[0]] })).toEqual(['vms']);
  });
});
