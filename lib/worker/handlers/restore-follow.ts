import 'server-only';
import { waitForOperation, type AgentClient, type Operation } from '@/lib/agent-client';
import type { RestoreDetail, SafetyFile } from '@/lib/agent-protocol/restore';
import type { TaskContext } from '../context';

const STEP_EVERY = 0.25; // a task step per quarter of the copy/stream; progress moves continuously

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export type FollowHooks = {
  onRunning?: (runningAfterMs: number) => Promise<void>; // once: an instant restore's VM runs (usable from then on)
  onSafety?: (safety: SafetyFile) => Promise<void>; // once: replace-disk kept the old disk as this file
};

// Follows an agent restore/replace operation: task progress (scaled into [from, to]) and steps
// in words, e.g. "VM running after 1.2 s from the backup; streaming 50%".
export async function followRestoreOp(
  ctx: TaskContext,
  agent: AgentClient,
  opId: string,
  range: { from: number; to: number },
  hooks: FollowHooks = {},
): Promise<Operation> {
  const { onRunning, onSafety } = hooks;
  let safetySeen = false;
  let chain: Promise<unknown> = Promise.resolve();
  let phase = '';
  let nextStep = 0;
  let lastProgress = -1;
  let running = false;
  const done = await waitForOperation(agent, opId, (op) => {
    const d = op.detail as RestoreDetail | null;
    const f = d && d.bytesTotal > 0 ? d.bytesDone / d.bytesTotal : op.progress;
    const events: (() => Promise<unknown>)[] = [];
    if (op.progress !== lastProgress) {
      lastProgress = op.progress;
      events.push(() => ctx.progress(range.from + (range.to - range.from) * op.progress));
    }
    // Noted on the first report that has it: a small disk may stream between two polls.
    if (d && d.runningAfterMs != null && !running && d.phase !== 'starting') {
      running = true;
      const ms = d.runningAfterMs;
      events.push(() =>
        ctx.step(
          `VM running after ${seconds(ms)} from the backup; copying its disk into the pool in the background (copy-on-read first)`,
        ),
      );
      if (onRunning) events.push(() => onRunning(ms));
    }
    if (d?.safety && !safetySeen) {
      safetySeen = true;
      const safety = d.safety;
      if (onSafety) events.push(() => onSafety(safety));
    }
    if (d && d.phase !== phase) {
      phase = d.phase;
      nextStep = STEP_EVERY;
    } else if (d && f >= nextStep && f < 1) {
      const pct = Math.floor(f * 100);
      nextStep = Math.floor(f / STEP_EVERY + 1) * STEP_EVERY;
      const text =
        d.phase === 'streaming' && d.runningAfterMs != null
          ? `VM running after ${seconds(d.runningAfterMs)} from the backup; streaming ${pct}%`
          : `${op.message}`;
      events.push(() => ctx.step(text));
    }
    // Steps are written in order, never concurrently with each other.
    if (events.length)
      chain = chain.then(async () => {
        for (const e of events) await e();
      });
  });
  await chain;
  return done;
}
