import type { VmSession } from '@/lib/agent/qemu/vm-session';

type Actions = { actions: { type: string; data: Record<string, unknown> }[] };

// Backup jobs the agent starts over this VM's QMP session start at `bytesPerSec`, as a slow disk
// would make them: tests that act mid-copy (kill a worker, kill the target) need the copy still
// running. Throttling a job once it ran raced the copy, which a small test disk could finish
// first. Returns the undo; the session's jobs run at full speed after it.
export function throttleBackups(session: VmSession, bytesPerSec: number): () => void {
  const execute = session.execute.bind(session);
  const throttled = (args: Actions): Actions => ({
    actions: args.actions.map((a) =>
      a.type === 'blockdev-backup' ? { ...a, data: { ...a.data, speed: bytesPerSec } } : a,
    ),
  });
  session.execute = ((command: string, args?: Record<string, unknown>, opts?: { timeoutMs?: number }) =>
    execute(command, command === 'transaction' ? throttled(args as Actions) : args, opts)) as typeof session.execute;
  return () => {
    session.execute = execute;
  };
}
