import { describe, expect, it } from 'vitest';
import type { AgentClient, Operation } from '@/lib/agent-client';
import type { RestoreDetail } from '@/lib/agent-protocol/restore';
import type { TaskContext } from '../context';
import { followRestoreOp } from './restore-follow';

const op = (
  progress: number,
  detail: Partial<RestoreDetail> | null,
  state: Operation['state'] = 'running',
): Operation => ({
  id: 'op1',
  kind: 'vm.restore',
  state,
  progress,
  message: `copying the backup into the pool: ${Math.round(progress * 100)}%`,
  error: null,
  detail: detail && { phase: 'streaming', runningAfterMs: 1234, bytesDone: 0, bytesTotal: 100, ...detail },
  result: state === 'succeeded' ? { runningAfterMs: 1234, totalMs: 5000, diskPath: '/d' } : null,
});

function fakes(sequence: Operation[]) {
  const steps: string[] = [];
  const progress: number[] = [];
  const ctx = {
    id: 't1',
    actor: { id: null, name: 'test' },
    recovered: false,
    step: async (m: string) => void steps.push(m),
    progress: async (f: number) => void progress.push(f),
  } as TaskContext;
  let i = 0;
  const agent = { getOperation: async () => sequence[Math.min(i++, sequence.length - 1)] } as unknown as AgentClient;
  return { ctx, agent, steps, progress };
}

describe('followRestoreOp', () => {
  it('says once when the VM runs from the backup, then a step per quarter streamed; progress scaled into the range', async () => {
    const { ctx, agent, steps, progress } = fakes([
      op(0.02, { phase: 'starting', runningAfterMs: null }),
      op(0.05, { bytesDone: 0 }),
      op(0.4, { bytesDone: 30 }),
      op(0.6, { bytesDone: 55 }),
      op(0.9, { bytesDone: 90 }),
      op(1, { phase: 'finishing', bytesDone: 100 }, 'succeeded'),
    ]);
    let ran = 0;
    const done = await followRestoreOp(
      ctx,
      agent,
      'op1',
      { from: 0.1, to: 0.9 },
      { onRunning: async () => void ran++ },
    );
    expect(done.state).toBe('succeeded');
    expect(ran).toBe(1);
    expect(steps).toEqual([
      'VM running after 1.2 s from the backup; copying its disk into the pool in the background (copy-on-read first)',
      'VM running after 1.2 s from the backup; streaming 30%',
      'VM running after 1.2 s from the backup; streaming 55%',
      'VM running after 1.2 s from the backup; streaming 90%',
    ]);
    expect(progress[0]).toBeCloseTo(0.116);
    expect(progress.at(-1)).toBeCloseTo(0.9);
  }, 10_000);

  it('a fast stream seen only at its end still reports the VM running', async () => {
    const { ctx, agent, steps } = fakes([op(1, { phase: 'finishing', bytesDone: 100 }, 'succeeded')]);
    let ran = 0;
    await followRestoreOp(ctx, agent, 'op1', { from: 0, to: 1 }, { onRunning: async () => void ran++ });
    expect(ran).toBe(1);
    expect(steps).toEqual([
      'VM running after 1.2 s from the backup; copying its disk into the pool in the background (copy-on-read first)',
    ]);
  });

  it('a copy restore reports the copy per quarter and never claims a VM running from the backup', async () => {
    const copying = (f: number) => op(f, { phase: 'copying', runningAfterMs: null, bytesDone: f * 100 });
    const { ctx, agent, steps } = fakes([
      copying(0),
      copying(0.3),
      copying(0.8),
      op(1, { phase: 'starting', runningAfterMs: null, bytesDone: 100 }, 'succeeded'),
    ]);
    await followRestoreOp(ctx, agent, 'op1', { from: 0, to: 1 });
    expect(steps).toEqual(['copying the backup into the pool: 30%', 'copying the backup into the pool: 80%']);
  }, 10_000);
});
