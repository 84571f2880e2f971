import 'server-only';
import { db } from '@/lib/db/client';
import { noSuchObject } from '@/lib/errors';
import type { BackupPreviewDto, RetentionPolicy } from './dto';
import { planPrune, type ChainPoint } from './chain';
import { applyRetention } from './retention';
import { describeSchedule, nextRuns } from './schedule';
import type { PreviewInput } from './schemas';

const SIMULATE_DAYS = 400;
const SIMULATE_MAX_RUNS = 2000; // an every-minute schedule is simulated over its first 2000 runs

// Retention plus the chain rule (each VM's newest point stays), with every reason named.
export function decide(points: ChainPoint[], policy: RetentionPolicy, timezone: string): Map<string, { keep: boolean; reasons: string[] }> {
  const out = new Map<string, { keep: boolean; reasons: string[] }>();
  for (const vmId of new Set(points.map((p) => p.vmId))) {
    const mine = points.filter((p) => p.vmId === vmId);
    for (const d of applyRetention(mine, policy, timezone)) out.set(d.id, { keep: d.keep, reasons: d.reasons });
    const plan = planPrune(mine, mine.filter((p) => out.get(p.id)!.keep).map((p) => p.id));
    for (const f of plan.forced) out.set(f.id, { keep: true, reasons: [f.reason] });
  }
  return out;
}

export async function previewJob(input: PreviewInput, now = new Date()): Promise<BackupPreviewDto> {
  const horizon = now.getTime() + SIMULATE_DAYS * 86400_000;
  const runs = nextRuns(input.schedule, input.timezone, SIMULATE_MAX_RUNS, now).filter((d) => d.getTime() <= horizon);
  const simulatedPoints = runs.map((at, i) => ({ id: String(i), vmId: 'simulated', parentId: i ? String(i - 1) : null, takenAt: at }));
  const sim = decide(simulatedPoints, input.retention, input.timezone);
  let existing: BackupPreviewDto['retention']['existing'] = [];
  if (input.jobId) {
    if (!(await db().backupJob.findUnique({ where: { id: input.jobId } }))) throw noSuchObject('backup job', input.jobId);
    const points = await db().restorePoint.findMany({ where: { jobId: input.jobId }, orderBy: { takenAt: 'desc' } });
    const d = decide(points, input.retention, input.timezone);
    existing = points.map((p) => ({ pointId: p.id, takenAt: p.takenAt.toISOString(), ...d.get(p.id)! }));
  }
  return {
    description: describeSchedule(input.schedule, input.timezone),
    nextRuns: runs.slice(0, 10).map((d) => d.toISOString()),
    retention: { simulated: simulatedPoints.map((p) => ({ at: p.takenAt.toISOString(), ...sim.get(p.id)! })), existing },
  };
}
