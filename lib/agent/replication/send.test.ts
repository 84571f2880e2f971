import { describe, expect, it } from 'vitest';
import { waitJob, type JobHost } from '../qemu/backup-live';
import { decideSend } from './send';

const bitmap = (over: Partial<{ recording: boolean; inconsistent: boolean }> = {}) => ({
  name: 'vmops-repl-rpl-000000000001',
  recording: true,
  busy: false,
  count: 0,
  ...over,
});
const base = { full: false, basePointId: 'rpl-000000000001' };

describe('decideSend', () => {
  it('is incremental only from a recording, consistent bitmap of the base point', () => {
    expect(decideSend(base, bitmap())).toEqual({ kind: 'incremental', fullReason: null });
  });

  it('is full with the reason otherwise', () => {
    expect(decideSend({ ...base, full: true }, bitmap()).fullReason).toBe('a full copy was asked for');
    expect(decideSend({ full: false, basePointId: null }).fullReason).toBe('first copy of the disk');
    expect(decideSend({ full: true, basePointId: null }).fullReason).toBe('first copy of the disk');
    expect(decideSend(base).fullReason).toBe(
      'no replication bitmap for rpl-000000000001: the disk was reverted, restored or moved',
    );
    expect(decideSend(base, bitmap({ inconsistent: true })).fullReason).toMatch(/inconsistent/);
    expect(decideSend(base, bitmap({ recording: false })).fullReason).toMatch(/not recording/);
  });
});

describe('the send job wait', () => {
  // A job whose progress moves while polled, then stops moving (the target stopped answering).
  const host = (progress: number[]): JobHost => ({
    id: 'vm-1',
    isGone: false,
    execute: (async () => [
      { id: 'j', status: 'running', 'current-progress': progress.shift() ?? 5, 'total-progress': 10 },
    ]) as JobHost['execute'],
    qmp: { waitForEvent: async () => new Promise((r) => setTimeout(() => r(null), 5)) },
  });

  it('fails a job that made no progress for the stall bound, not one that keeps moving', async () => {
    const seen: number[] = [];
    await expect(waitJob(host([1, 2, 3, 4]), 'j', (d) => seen.push(d), 60)).rejects.toThrow(
      /job j made no progress for 0 s/,
    );
    expect(seen.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
  });
});
