import 'server-only';
import { db } from '@/lib/db/client';

// What changed, pushed to open pages (GET /api/events) so they refetch at once instead of at
// their next poll. Ids only: a page fetches the data itself, through its own authorization.
// `finished`: tasks that ended (whatever they touched, pages refresh); `tasks`: progress.
export type ChangeEvent = { vms: string[]; tasks: string[]; finished: string[] };
type Listener = (e: ChangeEvent) => void;

// The worker and other dashboard replicas write to the database, not to this process: the feed
// reads what changed since its last look, while anyone listens. Cheap queries (indexed
// Vm.updatedAt, the few active tasks), whatever the number of open pages.
const POLL_MS = 200;
const MAX_IDS = 500; // more changes than that at once: the page refetches its lists anyway

class ChangeFeed {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private vmMark = new Date();
  private taskMark = new Date();
  private active = new Map<string, string>(); // task id -> state:progress

  get size() {
    return this.listeners.size;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  // For changes this process makes itself (a heartbeat): no need to wait for the next look.
  publish(change: Partial<ChangeEvent>) {
    const e: ChangeEvent = { vms: change.vms ?? [], tasks: change.tasks ?? [], finished: change.finished ?? [] };
    if (!e.vms.length && !e.tasks.length && !e.finished.length) return;
    for (const l of this.listeners) l(e);
  }

  private start() {
    this.vmMark = new Date();
    this.taskMark = new Date();
    this.active.clear();
    const loop = async () => {
      await this.look().catch(() => {}); // a busy database skips one look; the next one catches up
      if (this.listeners.size) this.timer = setTimeout(loop, POLL_MS);
    };
    this.timer = setTimeout(loop, 0);
  }

  private stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async look() {
    const [vms, running, finished] = await Promise.all([
      db().vm.findMany({
        where: { updatedAt: { gt: this.vmMark } },
        select: { id: true, updatedAt: true },
        orderBy: { updatedAt: 'asc' },
        take: MAX_IDS,
      }),
      db().task.findMany({
        where: { state: { in: ['queued', 'running'] } },
        select: { id: true, state: true, progress: true },
        take: MAX_IDS,
      }),
      db().task.findMany({
        where: { finishedAt: { gt: this.taskMark } },
        select: { id: true, finishedAt: true },
        orderBy: { finishedAt: 'asc' },
        take: MAX_IDS,
      }),
    ]);
    if (vms.length) this.vmMark = vms[vms.length - 1].updatedAt;
    const last = finished[finished.length - 1]?.finishedAt;
    if (last) this.taskMark = last;
    const tasks: string[] = [];
    const now = new Map(running.map((t) => [t.id, `${t.state}:${t.progress}`]));
    for (const [id, sig] of now) if (this.active.get(id) !== sig) tasks.push(id);
    this.active = now;
    this.publish({ vms: vms.map((v) => v.id), tasks, finished: finished.map((t) => t.id) });
  }
}

const g = globalThis as typeof globalThis & { __vmopsChangeFeed?: ChangeFeed };
export const changeFeed: ChangeFeed = (g.__vmopsChangeFeed ??= new ChangeFeed());
