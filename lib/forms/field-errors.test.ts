import { describe, expect, it } from 'vitest';
import { createVmSchema } from '@/lib/domain/vms/schemas';
import { importImageSchema } from '@/lib/domain/images/schemas';
import { blankToUndefined, issuesToFieldErrors, serverFieldErrors } from './field-errors';
import { numberInput } from './number-input';

describe('issuesToFieldErrors', () => {
  it('keeps the first message per top-level field', () => {
    const r = createVmSchema.safeParse({
      name: 'X',
      imageId: '',
      vcpus: 0,
      memoryMiB: 64,
      diskSizeGiB: 1,
      tags: ['ok', 'BAD'],
    });
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

describe('field names like built-in properties', () => {
  it('stay ordinary entries on both sides', () => {
    // As the browser receives it: JSON.parse makes "__proto__" an own key.
    const fields = JSON.parse(
      '{"__proto__":["unknown field"],"constructor":["unknown field"],"toString":["bad"]}',
    ) as Record<string, string[]>;
    const out = serverFieldErrors(fields);
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(Object.entries(out)).toEqual([
      ['__proto__', 'unknown field'],
      ['constructor', 'unknown field'],
      ['toString', 'bad'],
    ]);
    const parsed = createVmSchema.safeParse(JSON.parse('{"constructor":1,"hasOwnProperty":2}'));
    const fromIssues = issuesToFieldErrors(parsed.error!.issues);
    expect(fromIssues.hasOwnProperty).toBeUndefined(); // only errors, no inherited members
    expect(fromIssues.name).toBeDefined();
  });
});

describe('numberInput', () => {
  it('hands the schema a number, and NaN for a blank field', () => {
    expect(numberInput('512')).toBe(512);
    expect(numberInput(' 0.5 ')).toBe(0.5);
    expect(numberInput('')).toBeNaN();
    const r = createVmSchema.safeParse({
      name: 'web-01',
      imageId: 'img',
      vcpus: numberInput(''),
      memoryMiB: numberInput('512'),
      diskSizeGiB: numberInput('2'),
    });
    expect(r.success).toBe(false);
    expect(issuesToFieldErrors(r.error!.issues).vcpus).toBe('Enter a number');
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
