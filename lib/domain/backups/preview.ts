import 'server-only';
import { db } from '@/lib/db/client';
import { noSuchObject } from '@/lib/errors';
import type { BackupPreviewDto, RetentionPolicy } from './dto';
import { planPrune, type ChainPoint } from './chain';
import { applyRetention } from './retention';
import { describeSchedule, runsUntil } from './schedule';
import type { PreviewInput } from './schemas';

// Bounded work: a preview is a read any viewer can send, so it costs ~0.1 s of CPU at most and
// never holds the event loop for long (ten at once once took /api/health from 26 ms to 13 s).
export const PREVIEW_LIMITS = {
  days: 400, // simulated horizon
  runs: 500, // an every-minute schedule is simulated over its first 500 runs
  existingPoints: 2000, // a job's newest points; each one's decision depends only on newer ones
  sliceMs: 5, // longest stretch of CPU work before other requests get a turn
};

// Resolves once the event loop has had a turn, if `sliceMs` of work have passed since the last.
function slicer(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < PREVIEW_LIMITS.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

function byVm(points: ChainPoint[]): Map<string, ChainPoint[]> {
  const out = new Map<string, ChainPoint[]>();
  for (const p of points) {
    const mine = out.get(p.vmId);
    if (mine) mine.push(p);
    else out.set(p.vmId, [p]);
  }
  return out;
}

type Decision = { keep: boolean; reasons: string[] };

// One VM: retention plus the chain rule (its newest point stays), with every reason named.
function decideVm(mine: ChainPoint[], policy: RetentionPolicy, timezone: string, out: Map<string, Decision>): void {
  for (const d of applyRetention(mine, policy, timezone)) out.set(d.id, { keep: d.keep, reasons: d.reasons });
  const plan = planPrune(
    mine,
    mine.filter((p) => out.get(p.id)!.keep).map((p) => p.id),
  );
  for (const f of plan.forced) out.set(f.id, { keep: true, reasons: [f.reason] });
}

export function decide(points: ChainPoint[], policy: RetentionPolicy, timezone: string): Map<string, Decision> {
  const out = new Map<string, Decision>();
  for (const mine of byVm(points).values()) decideVm(mine, policy, timezone, out);
  return out;
}

async function decideSliced(
  points: ChainPoint[],
  policy: RetentionPolicy,
  timezone: string,
  tick: () => Promise<void>,
): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>();
  for (const mine of byVm(points).values()) {
    decideVm(mine, policy, timezone, out);
    await tick();
  }
  return out;
}

export async function previewJob(input: PreviewInput, now = new Date()): Promise<BackupPreviewDto> {
  const tick = slicer();
  const runs: Date[] = [];
  for (const at of runsUntil(
    input.schedule,
    input.timezone,
    now,
    new Date(now.getTime() + PREVIEW_LIMITS.days * 86400_000),
  )) {
    runs.push(at);
    if (runs.length >= PREVIEW_LIMITS.runs) break;
    await tick();
  }
  const simulatedPoints = runs.map((at, i) => ({
    id: String(i),
    vmId: 'simulated',
    parentId: i ? String(i - 1) : null,
    takenAt: at,
  }));
  const sim = await decideSliced(simulatedPoints, input.retention, input.timezone, tick);
  let existing: BackupPreviewDto['retention']['existing'] = [];
  if (input.jobId) {
    if (!(await db().backupJob.findUnique({ where: { id: input.jobId }, select: { id: true } })))
      throw noSuchObject('backup job', input.jobId);
    const points = await db().restorePoint.findMany({
      where: { jobId: input.jobId },
      select: { id: true, vmId: true, parentId: true, takenAt: true },
      orderBy: { takenAt: 'desc' },
      take: PREVIEW_LIMITS.existingPoints,
    });
    const d = await decideSliced(points, input.retention, input.timezone, tick);
    existing = points.map((p) => ({ pointId: p.id, takenAt: p.takenAt.toISOString(), ...d.get(p.id)! }));
  }
  return {
    description: describeSchedule(input.schedule, input.timezone),
    nextRuns: runs.slice(0, 10).map((d) => d.toISOString()),
    retention: {
      simulated: simulatedPoints.map((p) => ({ at: p.takenAt.toISOString(), ...sim.get(p.id)! })),
      existing,
    },
  };
}
