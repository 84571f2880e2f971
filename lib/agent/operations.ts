// Long agent-side jobs (image import) run as operations polled via GET /v1/operations/:id.
// Kept in memory: an operation is only meaningful to the agent process that runs it.
import { randomUUID } from 'node:crypto';
import { AppError, errorMessage, noSuchObject } from '@/lib/errors';
import type { Operation } from '@/lib/agent-protocol/core';

export type OperationHandle = { report(progress: number, message: string, detail?: Record<string, unknown>): void };

const KEEP_FINISHED = 200; // the worker polls until done; older results are no longer asked for

export class Operations {
  private ops = new Map<string, Operation>();

  constructor(private log: (msg: string) => void) {}

  // Starts fn in the background and returns the operation at once (202 answer).
  start<T>(kind: string, message: string, fn: (op: OperationHandle) => Promise<T>): Operation {
    const op: Operation = {
      id: randomUUID(),
      kind,
      state: 'running',
      progress: 0,
      message,
      error: null,
      detail: null,
      result: null,
    };
    this.ops.set(op.id, op);
    const handle: OperationHandle = {
      report(progress, msg, detail) {
        op.progress = Math.min(1, Math.max(op.progress, progress)); // never goes backwards
        op.message = msg;
        if (detail) op.detail = detail;
      },
    };
    void fn(handle).then(
      (result) => {
        Object.assign(op, { state: 'succeeded', progress: 1, message: 'done', result: result ?? null });
        this.log(`operation ${kind} ${op.id} succeeded`);
        this.prune();
      },
      (err: unknown) => {
        // result carries the coded error body so the client can rebuild the AppError
        // (e.g. CHECKSUM_MISMATCH) instead of only a message string.
        const body =
          err instanceof AppError
            ? { ...err.toJSON(), status: err.status }
            : { error: { code: 'INTERNAL', message: errorMessage(err) }, status: 500 };
        Object.assign(op, { state: 'failed', message: 'failed', error: errorMessage(err), result: body });
        this.log(`operation ${kind} ${op.id} failed: ${errorMessage(err)}`);
        this.prune();
      },
    );
    return { ...op };
  }

  get(id: string): Operation {
    const op = this.ops.get(id);
    if (!op) throw noSuchObject('operation', id);
    return { ...op };
  }

  private prune() {
    const finished = [...this.ops.values()].filter((o) => o.state !== 'running');
    for (const o of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.ops.delete(o.id);
  }
}
