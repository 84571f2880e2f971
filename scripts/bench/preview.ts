// What ten concurrent backup-selection previews (any viewer may send them) do to /api/health:
// the health handler is probed every 10 ms while they run, timed from when each probe was due, so
// a blocked event loop counts in full. Yardstick: the same previews done the way they were before
// being bounded (2000 croner runs and the retention simulation in one synchronous stretch).
import { GET as health } from '@/app/api/health/route';
import { decide, previewJob } from '@/lib/domain/backups/preview';
import { nextRuns } from '@/lib/domain/backups/schedule';
import { previewSchema } from '@/lib/domain/backups/schemas';
import { parseInput } from '@/lib/http/validation';
import { createTestDb } from '@/lib/testing/test-db';
import { sleep } from '@/lib/wait-for';
import { median, ms, timed, type BenchRow } from './types';

const CONCURRENT = 10;
const input = parseInput(previewSchema, {
  schedule: '* * * * * *',
  timezone: 'Europe/Paris',
  retention: { keepLast: 1000, daily: 1000, weekly: 1000, monthly: 1000, yearly: 100 },
});

async function unbounded(): Promise<void> {
  const runs = nextRuns(input.schedule, input.timezone, 2000);
  decide(
    runs.map((at, i) => ({ id: String(i), vmId: 'simulated', parentId: i ? String(i - 1) : null, takenAt: at })),
    input.retention,
    input.timezone,
  );
}

async function healthWhile(load: () => Promise<unknown>): Promise<{ latencies: number[]; loadMs: number }> {
  const latencies: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const due = performance.now() + 10;
      await sleep(10);
      await health(new Request('http://localhost/api/health') as never, { params: Promise.resolve({}) });
      latencies.push(performance.now() - due);
    }
  })();
  await sleep(50); // the probe is running before the load starts
  const [loadMs] = await timed(load);
  done = true;
  await probe;
  return { latencies, loadMs };
}

export async function previewBench(): Promise<BenchRow[]> {
  const testDb = createTestDb();
  try {
    const idle = await healthWhile(() => sleep(1000));
    const concurrently = (fn: () => Promise<unknown>) => () => Promise.all(Array.from({ length: CONCURRENT }, fn));
    await previewJob(input); // warm-up (JIT, Intl formatters)
    const before = await healthWhile(concurrently(unbounded));
    const after = await healthWhile(concurrently(() => previewJob(input)));
    const max = (xs: number[]) => Math.max(...xs);
    return [
      {
        what: `/api/health while ${CONCURRENT} previews of an every-second schedule run (max; median ${ms(median(after.latencies))}; previews done in ${ms(after.loadMs)})`,
        value: ms(max(after.latencies)),
        yardstick: `unbounded previews: max ${ms(max(before.latencies))} (done in ${ms(before.loadMs)})`,
        ratio: (max(after.latencies) / max(before.latencies)).toFixed(3),
      },
      {
        what: '/api/health with nothing else running (max)',
        value: ms(max(idle.latencies)),
        yardstick: `median ${ms(median(idle.latencies))}`,
        ratio: '-',
      },
    ];
  } finally {
    testDb.cleanup();
  }
}
