// Per-VM demand prediction from recent samples. Holt's double exponential smoothing keeps a
// level and a trend, so a VM ramping up is predicted above its last sample and a single spike
// in a flat series moves the prediction only partly (unlike "last sample").

export type DemandOptions = {
  alpha: number; // level smoothing (0..1): higher follows new samples faster
  beta: number; // trend smoothing (0..1)
  horizon: number; // samples ahead to predict (heartbeats are 5 s apart)
};

export const DEFAULT_DEMAND: DemandOptions = { alpha: 0.5, beta: 0.3, horizon: 3 };

// values: oldest first. Returns the predicted value `horizon` samples after the last one,
// never negative and never above `max` (a VM cannot use more than its vCPUs).
export function predictDemand(
  values: readonly number[],
  max: number = Infinity,
  opts: DemandOptions = DEFAULT_DEMAND,
): number {
  if (!values.length) return 0;
  if (values.length === 1) return clamp(values[0], max);
  let level = values[0];
  let trend = values[1] - values[0];
  for (let i = 1; i < values.length; i++) {
    const prevLevel = level;
    level = opts.alpha * values[i] + (1 - opts.alpha) * (level + trend);
    trend = opts.beta * (level - prevLevel) + (1 - opts.beta) * trend;
  }
  return clamp(level + opts.horizon * trend, max);
}

const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
