// Token bucket in bytes for a viewer's keystrokes: take(n) says whether n bytes may pass now.
import { CONSOLE_INPUT_RATE } from '@/lib/agent-protocol/console';

export function inputBucket(rate = CONSOLE_INPUT_RATE, now: () => number = Date.now) {
  let tokens = rate.burstBytes;
  let at = now();
  return {
    take(n: number): boolean {
      const t = now();
      tokens = Math.min(rate.burstBytes, tokens + ((t - at) / 1000) * rate.bytesPerSec);
      at = t;
      if (n > tokens) return false;
      tokens -= n;
      return true;
    },
  };
}
