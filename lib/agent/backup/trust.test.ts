import { describe, expect, it } from 'vitest';
import { decideBackupKind, type TrustFacts } from './trust';

const base: TrustFacts = {
  forceFull: false,
  parentPath: '/r/p1.qcow2',
  parentExists: true,
  live: true,
  bitmapName: 'bm0',
  bitmap: 'ok',
  sidecar: { state: 'done', path: '/r/p1.qcow2', sha256: 'a'.repeat(64), at: '2026-01-01T00:00:00Z' },
};

describe('decideBackupKind', () => {
  it.each<[string, Partial<TrustFacts>, 'full' | 'incremental', RegExp | null, 'add' | 'clear' | 'replace' | null]>([
    ['trusted bitmap and matching parent', {}, 'incremental', null, null],
    ['full requested', { forceFull: true }, 'full', /requested/, 'clear'],
    ['no parent', { parentPath: null }, 'full', /no previous backup/, 'clear'],
    ['parent file missing', { parentExists: false }, 'full', /chain broken: .*p1\.qcow2 is missing/, 'clear'],
    ['bitmap missing', { bitmap: 'missing' }, 'full', /no dirty bitmap "bm0"/, 'add'],
    ['bitmap inconsistent after a kill', { bitmap: 'inconsistent' }, 'full', /inconsistent/, 'replace'],
    ['bitmap disabled', { bitmap: 'disabled' }, 'full', /not recording/, 'replace'],
    ['no sidecar', { sidecar: null }, 'full', /no record/, 'clear'],
    [
      'disk restored in place',
      { bitmap: 'missing', sidecar: { ...base.sidecar!, state: 'replaced', path: '/r/p0.qcow2' } },
      'full',
      /restored in place from \/r\/p0\.qcow2/,
      'add',
    ],
    [
      'disk reverted to a snapshot, bitmap carried over',
      { sidecar: { ...base.sidecar!, state: 'reverted', path: 'snap-1' } },
      'full',
      /reverted to snapshot snap-1/,
      'clear',
    ],
    [
      'disk reverted to a snapshot, new layer without bitmap',
      { bitmap: 'missing', sidecar: { ...base.sidecar!, state: 'reverted', path: 'snap-1' } },
      'full',
      /reverted to snapshot snap-1/,
      'add',
    ],
    [
      'stopped VM after a revert: content compare is exact',
      { live: false, sidecar: { ...base.sidecar!, state: 'reverted', path: 'snap-1' } },
      'incremental',
      null,
      'clear',
    ],
    ['previous run unfinished', { sidecar: { ...base.sidecar!, state: 'pending' } }, 'full', /did not finish/, 'clear'],
    [
      'unregistered backup in between',
      { sidecar: { ...base.sidecar!, path: '/r/p2.qcow2' } },
      'full',
      /p2\.qcow2, not since the given parent .*p1\.qcow2/,
      'clear',
    ],
    [
      'stopped VM: content compare needs no bitmap',
      { live: false, bitmap: 'missing', sidecar: null },
      'incremental',
      null,
      'add',
    ],
    ['stopped VM with an in-use bitmap', { live: false, bitmap: 'inconsistent' }, 'incremental', null, 'replace'],
    ['stopped VM, parent missing', { live: false, parentExists: false }, 'full', /chain broken/, 'clear'],
  ])('%s', (_name, facts, kind, reason, action) => {
    const d = decideBackupKind({ ...base, ...facts });
    expect(d.kind).toBe(kind);
    if (reason) expect(d.fullReason).toMatch(reason);
    else expect(d.fullReason).toBeNull();
    expect(d.bitmapAction).toBe(action);
  });
});
