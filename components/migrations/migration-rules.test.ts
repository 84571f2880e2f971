import { describe, expect, it } from 'vitest';
import type { MigrationDto, MigrationProgressDto } from '@/lib/domain/migrations/dto';
import type { TaskDto } from '@/lib/domain/tasks/dto';
import {
  currentMaintenanceTask,
  maintenanceMoves,
  migrateDisabledReason,
  migrationRatio,
  targetUnfitReason,
} from './migration-rules';

const progress = (transferredBytes: number, remainingBytes: number): MigrationProgressDto => ({
  phase: 'memory',
  transferredBytes,
  remainingBytes,
  totalBytes: transferredBytes + remainingBytes,
  dirtyPagesRate: 0,
  expectedDowntimeMs: null,
  updatedAt: '2026-01-01T00:00:00Z',
});

const task = (over: Partial<TaskDto>): TaskDto => ({
  id: 't',
  kind: 'host.evacuate',
  title: '',
  state: 'succeeded',
  progress: 1,
  targetType: 'host',
  targetId: 'h1',
  createdByName: null,
  error: null,
  result: null,
  createdAt: '2026-01-01T00:00:00Z',
  startedAt: null,
  finishedAt: '2026-01-01T00:01:00Z',
  ...over,
});

const move = (over: Partial<MigrationDto>): MigrationDto => ({
  id: 'm',
  vmId: 'v',
  vmName: 'v',
  sourceHostId: 'h1',
  sourceHostName: 'h1',
  targetHostId: 'h2',
  targetHostName: 'h2',
  reason: 'maintenance',
  mode: 'shared',
  state: 'succeeded',
  taskId: null,
  startedAt: '2026-01-01T00:00:10Z',
  finishedAt: null,
  durationMs: null,
  downtimeMs: null,
  bytesTransferred: 0,
  diskBytes: 0,
  error: null,
  estimate: null,
  progress: null,
  ...over,
});

describe('migrateDisabledReason', () => {
  it('allows a running VM with no task, and says why otherwise', () => {
    expect(migrateDisabledReason({ state: 'running', activeTaskId: null }, null)).toBeNull();
    expect(migrateDisabledReason({ state: 'stopped', activeTaskId: null }, null)).toMatch(/running VM/);
    expect(migrateDisabledReason({ state: 'migrating', activeTaskId: 't1' }, null)).toMatch(/under way/);
    expect(migrateDisabledReason({ state: 'running', activeTaskId: 't1' }, null)).toMatch(/current task/);
    expect(migrateDisabledReason({ state: 'running', activeTaskId: null }, 'Viewers cannot change anything')).toBe(
      'Viewers cannot change anything',
    );
  });
});

describe('targetUnfitReason', () => {
  const vm = { hostId: 'h1' };
  it('refuses the current host, offline hosts and hosts in maintenance', () => {
    const h = (id: string, status: 'online' | 'offline', maintenance = false, site = 'main') => ({
      id,
      status,
      maintenance,
      site,
    });
    expect(targetUnfitReason(h('h1', 'online'), vm)).toBe('current host');
    expect(targetUnfitReason(h('h2', 'offline'), vm)).toBe('offline');
    expect(targetUnfitReason(h('h2', 'online', true), vm)).toBe('in maintenance');
    expect(targetUnfitReason(h('h2', 'online'), vm)).toBeNull();
  });
  it("refuses a host of another site than the VM's host's", () => {
    const dr1 = { id: 'dr1', status: 'online' as const, maintenance: false, site: 'dr' };
    expect(targetUnfitReason(dr1, vm, 'main')).toBe('site dr');
    expect(targetUnfitReason(dr1, vm, 'dr')).toBeNull();
  });
});

describe('migrationRatio', () => {
  it('is what was sent over sent plus remaining, full once succeeded', () => {
    expect(migrationRatio({ state: 'running', progress: null })).toBe(0);
    expect(migrationRatio({ state: 'running', progress: progress(300, 100) })).toBe(0.75);
    expect(migrationRatio({ state: 'running', progress: progress(0, 0) })).toBe(0);
    expect(migrationRatio({ state: 'succeeded', progress: null })).toBe(1);
  });
});

describe('currentMaintenanceTask', () => {
  const end = Date.parse('2026-01-01T00:01:00Z');
  it('picks the newest maintenance task, kept for two minutes after it ended', () => {
    const older = task({ id: 'old', createdAt: '2025-12-31T23:00:00Z' });
    const newest = task({ id: 'new', kind: 'host.bring-back' });
    const other = task({ id: 'x', kind: 'vm.create', createdAt: '2026-01-01T00:00:30Z' });
    expect(currentMaintenanceTask([older, newest, other], end + 60_000)?.id).toBe('new');
    expect(currentMaintenanceTask([older, newest], end + 3 * 60_000)).toBeNull();
    expect(currentMaintenanceTask([task({ state: 'running', finishedAt: null })], end + 60 * 60_000)?.id).toBe('t');
    expect(currentMaintenanceTask(undefined, end)).toBeNull();
  });
});

describe('maintenanceMoves', () => {
  it('keeps maintenance moves off or onto the host since the given time', () => {
    const since = Date.parse('2026-01-01T00:00:00Z');
    const rows = [
      move({ id: 'off' }),
      move({ id: 'back', sourceHostId: 'h2', targetHostId: 'h1' }),
      move({ id: 'manual', reason: 'manual' }),
      move({ id: 'elsewhere', sourceHostId: 'h3', targetHostId: 'h2' }),
      move({ id: 'before', startedAt: '2025-12-31T23:00:00Z' }),
    ];
    expect(maintenanceMoves(rows, 'h1', since).map((m) => m.id)).toEqual(['off', 'back']);
  });
});
