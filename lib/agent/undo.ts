// Undo stack for multi-step operations (the pattern of Xen Orchestra's VM service): each step
// that made something registers how to unmake it; on failure the steps are undone newest first
// so nothing half-made (an orphan disk, a defined VM) is left behind.
export class UndoStack {
  private steps: { what: string; undo: () => Promise<unknown> }[] = [];

  constructor(private log: (msg: string) => void) {}

  push(what: string, undo: () => Promise<unknown>): void {
    this.steps.push({ what, undo });
  }

  // Runs every undo step even if one fails: a failed step is logged, never hides the original error.
  async rollback(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step.undo();
        this.log(`undo: ${step.what}`);
      } catch (err) {
        this.log(`undo of "${step.what}" failed: ${(err as Error).message}`);
      }
    }
    this.steps = [];
  }

  // Runs fn with a fresh stack; on error rolls back and rethrows.
  static async run<T>(log: (msg: string) => void, fn: (undo: UndoStack) => Promise<T>): Promise<T> {
    const undo = new UndoStack(log);
    try {
      return await fn(undo);
    } catch (err) {
      await undo.rollback();
      throw err;
    }
  }
}
