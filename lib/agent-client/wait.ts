// Polls an agent operation until it ends. A failed operation is thrown as the AppError the agent
// recorded in its result (e.g. CHECKSUM_MISMATCH), so callers can branch on the code. The first
// looks come quickly and the pace slows to intervalMs: most operations (a VM start, a snapshot)
// end within a second, and a fixed half-second poll added a quarter second to each on average.
import { AppError, fromErrorBody, timeout } from '@/lib/errors';
import type { Operation } from '@/lib/agent-protocol/core';

type OperationSource = { getOperation(id: string): Promise<Operation> };

const FIRST_POLL_MS = 20;

export async function waitForOperation(
  client: OperationSource,
  id: string,
  onProgress?: (op: Operation) => void,
  { intervalMs = 500, timeoutMs = 30 * 60_000 }: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<Operation> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = Math.min(FIRST_POLL_MS, intervalMs); ; wait = Math.min(intervalMs, wait * 1.5)) {
    const op = await client.getOperation(id);
    onProgress?.(op);
    if (op.state === 'succeeded') return op;
    if (op.state === 'failed') {
      const status = (op.result as { status?: unknown } | null)?.status;
      throw (
        fromErrorBody(typeof status === 'number' ? status : 500, op.result) ??
        new AppError('OPERATION_FAILED', op.error ?? 'operation failed', 500, { operation: id })
      );
    }
    if (Date.now() > deadline) throw timeout(`agent operation ${op.kind} ${id}`, Math.round(timeoutMs / 1000));
    await new Promise((r) => setTimeout(r, wait));
  }
}
