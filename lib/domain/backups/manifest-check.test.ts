import { describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, type PointManifest } from '@/lib/agent-protocol/backup';
import { manifestMismatches } from './manifest-check';

const takenAt = new Date('2026-01-02T03:04:05.000Z');
const vmSpec = { vcpus: 2, memoryMiB: 256, boot: { kernelPath: '/img/vmlinux' }, imageId: 'img-1', tags: ['prod'] };
const row = {
  id: 'rp-0123456789ab',
  vmId: 'vm-1',
  kind: 'incremental',
  sha256: 'a'.repeat(64),
  sizeBytes: 1000n,
  virtualSizeBytes: 4096n,
  takenAt,
  vmSpec: JSON.stringify(vmSpec),
};
const parent = { filePath: '/repo/vm-1/rp-aaaaaaaaaaaa.qcow2' };
const manifest: PointManifest = {
  formatVersion: MANIFEST_FORMAT,
  pointId: row.id,
  vmId: 'vm-1',
  vmName: 'web-1',
  kind: 'incremental',
  fullReason: null,
  takenAt: takenAt.toISOString(),
  parent: 'rp-aaaaaaaaaaaa.qcow2',
  sha256: row.sha256,
  sizeBytes: 1000,
  virtualSizeBytes: 4096,
  bytesWritten: 10,
  durationMs: 5,
  vmSpec: { ...vmSpec, boot: { kernelPath: '/img/vmlinux', append: undefined } },
};

describe('manifestMismatches', () => {
  it('accepts a manifest that says what the row says', () => {
    expect(manifestMismatches(row, parent, manifest, null)).toEqual([]);
    expect(
      manifestMismatches({ ...row, kind: 'full' }, null, { ...manifest, kind: 'full', parent: null }, null),
    ).toEqual([]);
  });

  it('names each field that differs: checksum, chain link, size, VM spec', () => {
    expect(manifestMismatches(row, parent, { ...manifest, sha256: 'b'.repeat(64), parent: null }, null)).toEqual([
      'manifest parent null differs from the registered "rp-aaaaaaaaaaaa.qcow2"',
      `manifest sha256 "${'b'.repeat(64)}" differs from the registered "${'a'.repeat(64)}"`,
    ]);
    expect(
      manifestMismatches(row, parent, { ...manifest, sizeBytes: 1, vmSpec: { ...vmSpec, vcpus: 4 } }, null),
    ).toEqual([
      'manifest sizeBytes 1 differs from the registered 1000',
      'manifest vmSpec differs from the registered one',
    ]);
  });

  it('a missing or unreadable manifest is a mismatch; a safety point has none to check', () => {
    expect(manifestMismatches(row, parent, null, null)).toEqual(['manifest is missing']);
    expect(manifestMismatches(row, parent, null, 'not a valid point manifest')).toEqual([
      'manifest unreadable: not a valid point manifest',
    ]);
    expect(manifestMismatches({ ...row, kind: 'safety' }, null, null, null)).toEqual([]);
  });
});
