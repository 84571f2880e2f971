// Polling with a deadline, for start-up scripts, tests and benchmarks alike. A throwing probe
// counts as "not yet" (a server still starting refuses connections); its last error is named
// if time runs out, with whatever extra context the caller can give.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 10_000,
  everyMs = 100,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const last = lastErr ? ` (last error: ${lastErr instanceof Error ? lastErr.message : String(lastErr)})` : '';
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last}${context ? `\n${context()}` : ''}`,
      );
    }
    await sleep(everyMs);
  }
}
