import { describe, expect, it } from 'vitest';
import { createVmSchema } from '@/lib/domain/vms/schemas';
import { importImageSchema } from '@/lib/domain/images/schemas';
import { blankToUndefined, issuesToFieldErrors, serverFieldErrors } from './field-errors';

describe('issuesToFieldErrors', () => {
  it('keeps the first message per top-level field', () => {
    const r = createVmSchema.safeParse({ name: 'X', imageId: '', vcpus: 0, memoryMiB: 64, diskSizeGiB: 1, tags: ['ok', 'BAD'] });
    expect(r.success).toBe(false);
    const errors = issuesToFieldErrors(r.error!.issues);
    expect(errors.name).toBeDefined();
    expect(errors.imageId).toBe('Choose an image');
    expect(errors.vcpus).toBe('At least 1 vCPU');
    expect(errors.tags).toBe('Tags: lowercase, up to 32 chars');
    expect(errors.memoryMiB).toBeUndefined();
  });
});

describe('serverFieldErrors', () => {
  it('maps dotted paths to their field', () => {
    expect(serverFieldErrors({ name: ['taken', 'other'], 'tags.1': ['bad tag'], '': ['whole form'] })).toEqual({
      name: 'taken',
      tags: 'bad tag',
      _form: 'whole form',
    });
  });
});

describe('blankToUndefined', () => {
  it('lets optional sources stay empty', () => {
    const values = blankToUndefined(
      { name: 'tiny', version: '1.0', description: '', disk: '/srv/tiny.qcow2', kernel: '  ', sha256: '' },
      ['kernel', 'sha256'],
    );
    expect(values).toEqual({ name: 'tiny', version: '1.0', description: '', disk: '/srv/tiny.qcow2' });
    expect(importImageSchema.safeParse(values).success).toBe(true);
  });
});
