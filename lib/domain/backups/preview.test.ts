import { describe, expect, it } from 'vitest';
import { parseInput } from '@/lib/http/validation';
import { PREVIEW_LIMITS, previewJob } from './preview';
import { previewSchema } from './schemas';

const input = (schedule: string, timezone = 'Europe/Paris') =>
  parseInput(previewSchema, {
    schedule,
    timezone,
    retention: { keepLast: 1000, daily: 1000, weekly: 1000, monthly: 1000, yearly: 100 },
  });

describe('preview work is bounded', () => {
  it('simulates at most PREVIEW_LIMITS.runs runs of a dense schedule, and lets other work run meanwhile', async () => {
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const started = performance.now();
    const p = await previewJob(input('* * * * * *')).finally(() => clearInterval(timer));
    const ms = performance.now() - started;
    expect(p.retention.simulated).toHaveLength(PREVIEW_LIMITS.runs);
    expect(p.nextRuns).toHaveLength(10);
    // Without slicing the whole preview is one synchronous stretch and the timer never fires.
    expect(turns).toBeGreaterThan(0);
    console.log(`every-second preview: ${ms.toFixed(0)} ms, ${turns} timer turns in between`);
  });

  it('never searches a sparse schedule beyond the simulated horizon', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const p = await previewJob(input('0 0 29 2 *', 'UTC'), now); // Feb 29: next in 2028, past 400 days
    expect(p.nextRuns).toEqual([]);
    expect(p.retention.simulated).toEqual([]);
    const yearly = await previewJob(input('0 3 1 1 *', 'UTC'), now);
    expect(yearly.nextRuns).toEqual(['2026-01-01T03:00:00.000Z', '2027-01-01T03:00:00.000Z']);
  });
});
