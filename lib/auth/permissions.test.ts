import { describe, expect, it } from 'vitest';
import { ROLES } from '@/lib/domain/auth/dto';
import { ACTION_MIN_ROLE, can, denialReason, hasRoleAtLeast, isRole, type Action } from './permissions';

const actions = Object.keys(ACTION_MIN_ROLE) as Action[];

describe('can', () => {
  it('lets admins do everything', () => {
    for (const a of actions) expect(can('admin', a)).toBe(true);
  });
  it('lets operators operate VMs and import images, nothing admin-only', () => {
    expect(can('operator', 'vm.create')).toBe(true);
    expect(can('operator', 'vm.operate')).toBe(true);
    expect(can('operator', 'vm.delete')).toBe(true);
    expect(can('operator', 'image.import')).toBe(true);
    expect(can('operator', 'image.delete')).toBe(false);
    expect(can('operator', 'host.manage')).toBe(false);
    expect(can('operator', 'user.manage')).toBe(false);
  });
  it('denies viewers every mutating action', () => {
    for (const a of actions) expect(can('viewer', a)).toBe(false);
  });
  it('denies missing or unknown roles and unknown actions', () => {
    expect(can(null, 'vm.operate')).toBe(false);
    expect(can(undefined, 'vm.operate')).toBe(false);
    expect(can('root' as never, 'vm.operate')).toBe(false);
    expect(can('admin', 'vm.fly' as Action)).toBe(false);
  });
});

describe('role helpers', () => {
  it('orders roles admin > operator > viewer', () => {
    expect(hasRoleAtLeast('admin', 'operator')).toBe(true);
    expect(hasRoleAtLeast('operator', 'operator')).toBe(true);
    expect(hasRoleAtLeast('viewer', 'operator')).toBe(false);
  });
  it('recognises exactly the known roles', () => {
    for (const r of ROLES) expect(isRole(r)).toBe(true);
    expect(isRole('toString')).toBe(false);
    expect(isRole(42)).toBe(false);
  });
  it('explains denials in words', () => {
    expect(denialReason('viewer', 'vm.operate')).toBe('Viewers cannot change anything');
    expect(denialReason('operator', 'host.manage')).toBe('Only admins can do this');
    expect(denialReason(null, 'vm.operate')).toBe('Sign in to change anything');
    expect(denialReason('admin', 'host.manage')).toBeNull();
  });
});
