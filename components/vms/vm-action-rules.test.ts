import { describe, expect, it } from 'vitest';
import { VM_STATE, type VmState } from '@/lib/domain/vms/dto';
import { vmControlState, type VmControl } from './vm-action-rules';

const enabled = (state: VmState, control: VmControl, activeTaskId: string | null = null) =>
  vmControlState({ state, activeTaskId }, control).enabled;

describe('vmControlState', () => {
  it('starts only stopped or crashed VMs', () => {
    const ok = Object.values(VM_STATE).filter((s) => enabled(s, 'start'));
    expect(ok.sort()).toEqual(['crashed', 'stopped']);
  });
  it('stops and restarts only running VMs', () => {
    for (const s of Object.values(VM_STATE)) {
      expect(enabled(s, 'stop')).toBe(s === 'running');
      expect(enabled(s, 'restart')).toBe(s === 'running');
    }
  });
  it('never offers delete while provisioning or already deleting', () => {
    expect(enabled('provisioning', 'delete')).toBe(false);
    expect(enabled('deleting', 'delete')).toBe(false);
    expect(enabled('running', 'delete')).toBe(true);
    expect(enabled('error', 'delete')).toBe(true);
  });
  it('never starts a replica or a VM that failed over (disaster recovery), saying why', () => {
    const replica = vmControlState({ state: 'stopped', activeTaskId: null, role: 'replica', drState: null }, 'start');
    expect(replica).toEqual({ enabled: false, reason: 'A replica starts only by failover (Disaster recovery page)' });
    const source = vmControlState(
      { state: 'stopped', activeTaskId: null, role: 'vm', drState: 'failed-over' },
      'start',
    );
    expect(source.enabled).toBe(false);
    expect(source.reason).toContain('failed over');
    // A replica goes with its job; a dr-test copy's delete is its discard.
    expect(vmControlState({ state: 'stopped', activeTaskId: null, role: 'replica', drState: null }, 'delete')).toEqual({
      enabled: false,
      reason: 'A replica goes with its replication job (Disaster recovery page: Remove job)',
    });
    expect(
      vmControlState({ state: 'running', activeTaskId: null, role: 'dr-test', drState: null }, 'delete').enabled,
    ).toBe(true);
    expect(
      vmControlState({ state: 'stopped', activeTaskId: null, role: 'dr-test', drState: null }, 'start').enabled,
    ).toBe(true);
  });
  it('waits for an active task, except force stop of a stuck stop', () => {
    expect(vmControlState({ state: 'running', activeTaskId: 't1' }, 'stop')).toEqual({
      enabled: false,
      reason: 'Wait for the current task to finish',
    });
    expect(enabled('stopping', 'force-stop', 't1')).toBe(true);
    expect(enabled('running', 'force-stop', 't1')).toBe(false);
  });
  it('explains a wrong state', () => {
    expect(vmControlState({ state: 'stopped', activeTaskId: null }, 'stop').reason).toBe(
      'Not possible while the VM is stopped',
    );
  });
});
