// An attached VM: the QMP connection, the serial connection and what they tell us (paused or
// running, guest ready, how it ended). One per live QEMU process; created by a start or by
// reattach. detach() lets QEMU run on; an exit of QEMU is recorded in exit.json.
import type { ChildProcess } from 'node:child_process';
import { qemuError } from '@/lib/errors';
import { isQemuFor } from './process';
import { QmpClient, type QmpEvent } from './qmp-client';
import { SerialConsole } from './serial-console';
import {
  exitVerdict,
  fileSize,
  hasReadyLine,
  readRange,
  READY_LINE,
  writeJson,
  type ExitRecord,
  type RunRecord,
  type VmPaths,
} from './vm-files';

export type SessionOptions = {
  id: string;
  paths: VmPaths;
  run: RunRecord;
  child?: ChildProcess; // only when this agent spawned the process
  log: (msg: string) => void;
  onExit: (id: string, exit: ExitRecord) => void;
};

export class VmSession {
  status: 'running' | 'paused' = 'paused';
  guestReady = false;
  readyAt: number | null = null;
  shutdownReason: string | null = null; // from the SHUTDOWN event, or ours ('vmops-kill')
  readonly exited: Promise<ExitRecord>;
  private resolveExit!: (e: ExitRecord) => void;
  private detached = false;
  private finished = false;
  private lost = false;
  private readyListeners: (() => void)[] = [];
  private readonly changeListeners = new Set<() => void>();

  private constructor(
    readonly opts: SessionOptions,
    readonly qmp: QmpClient,
    readonly serial: SerialConsole,
  ) {
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  get id() {
    return this.opts.id;
  }
  get pid() {
    return this.opts.run.pid;
  }
  get run() {
    return this.opts.run;
  }
  // Exited, or connection lost: either way the registry must not hand this session out.
  get isGone() {
    return this.finished || this.lost;
  }

  static async attach(opts: SessionOptions, timeouts: { qmpMs: number }): Promise<VmSession> {
    const qmp = await QmpClient.connect(opts.paths.qmpSocket, { connectTimeoutMs: timeouts.qmpMs });
    let serial: SerialConsole;
    try {
      serial = await SerialConsole.connect(opts.paths.serialSocket);
    } catch (err) {
      await qmp.close();
      throw err;
    }
    const s = new VmSession(opts, qmp, serial);
    s.wire();
    try {
      const st = await qmp.execute<{ status: string; running: boolean }>('query-status');
      s.status = st.running ? 'running' : 'paused';
      // Serial is connected before the log is scanned: a ready line is seen by one or the other.
      if (opts.run.readyOnArrival || hasReadyLine(await readRange(opts.paths.serialLog, opts.run.readyScanFrom)))
        s.markReady();
    } catch (err) {
      await s.detach();
      throw err;
    }
    return s;
  }

  private wire() {
    const { qmp, serial, opts } = this;
    qmp.on('event', (ev: QmpEvent) => this.onEvent(ev));
    serial.on('line', (line: string) => {
      if (line.startsWith(READY_LINE)) this.markReady();
    });
    // QMP closes when QEMU exits; the process may need a moment more to disappear.
    qmp.on(
      'close',
      () => void this.watchUntilGone().catch((err) => opts.log(`VM ${opts.id}: exit tracking failed: ${err}`)),
    );
    opts.child?.once('exit', this.onChildExit);
  }

  private readonly onChildExit = async (code: number | null, signal: NodeJS.Signals | null) => {
    // The SHUTDOWN event may still be unread on the QMP socket: let it drain (it closes right
    // after the process exits) so the verdict sees the reason.
    if (!this.qmp.closed) await new Promise((r) => (this.qmp.once('close', r), setTimeout(r, 2000)));
    if (this.detached) return;
    const hint = code === 0 || this.shutdownReason ? null : `QEMU exited (${signal ?? `code ${code}`})`;
    await this.finish(hint).catch((err) => this.opts.log(`VM ${this.id}: exit tracking failed: ${err}`));
  };

  // Paused, resumed, reset, guest ready: what a page showing this VM should learn at once.
  onChange(listener: () => void) {
    this.changeListeners.add(listener);
  }
  private changed() {
    for (const l of this.changeListeners) l();
  }

  private onEvent(ev: QmpEvent) {
    if (ev.event === 'STOP' || ev.event === 'RESUME' || ev.event === 'RESET') queueMicrotask(() => this.changed());
    switch (ev.event) {
      case 'STOP':
        this.status = 'paused';
        break;
      case 'RESUME':
        this.status = 'running';
        break;
      case 'SHUTDOWN':
        this.shutdownReason ??= String(ev.data?.reason ?? 'unknown');
        break;
      case 'RESET':
        // The guest boots again: not ready until it says so, and only lines after this count.
        this.guestReady = false;
        this.readyAt = null;
        this.opts.run.readyOnArrival = false;
        void fileSize(this.opts.paths.serialLog)
          .then((size) => {
            this.opts.run.readyScanFrom = size;
            return writeJson(this.opts.paths.run, this.opts.run);
          })
          .catch((err) => this.opts.log(`VM ${this.id}: cannot update run.json: ${err}`));
        break;
    }
  }

  // A guest that migrated in was ready on its source; kept in run.json for a re-attach.
  async carryReady(): Promise<void> {
    this.opts.run.readyOnArrival = true;
    await writeJson(this.opts.paths.run, this.opts.run);
    this.markReady();
  }

  private markReady() {
    if (this.guestReady) return;
    this.guestReady = true;
    this.readyAt = Date.now();
    for (const l of this.readyListeners.splice(0)) l();
    this.changed();
  }

  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.guestReady) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      t.unref(); // a watcher must not keep an agent that is shutting down alive
      this.readyListeners.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  private async watchUntilGone() {
    for (let i = 0; !this.detached && !this.finished; i++) {
      if (!isQemuFor(this.pid, this.id)) return this.finish(null);
      if (i === 100) {
        // 5 s after QMP closed, QEMU still runs: our connection was lost, not QEMU. Give up this
        // session so the next call attaches afresh.
        this.opts.log(`VM ${this.id}: QMP connection lost but QEMU pid ${this.pid} runs; re-attaching on next use`);
        this.lost = true;
        return this.detach();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async finish(hint: string | null) {
    if (this.finished || this.detached) return;
    this.finished = true;
    const consoleText = await readRange(this.opts.paths.serialLog, this.opts.run.serialLogOffset);
    const v = exitVerdict(this.shutdownReason, consoleText);
    const exit: ExitRecord = {
      pid: this.pid,
      at: new Date().toISOString(),
      clean: v.clean,
      reason: v.clean || !hint ? v.reason : hint,
    };
    await writeJson(this.opts.paths.exit, exit).catch((err) =>
      this.opts.log(`cannot write ${this.opts.paths.exit}: ${err}`),
    );
    this.opts.log(`VM ${this.id}: QEMU pid ${this.pid} exited (${exit.clean ? 'clean' : 'CRASHED'}: ${exit.reason})`);
    await Promise.all([this.qmp.close(), this.serial.close()]);
    this.opts.onExit(this.id, exit);
    this.resolveExit(exit);
  }

  // Waits for the process to end; false after timeoutMs.
  async waitExit(timeoutMs: number): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((res) => (t = setTimeout(() => res(false), timeoutMs))),
    ]);
    clearTimeout(t);
    return r;
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts?: { timeoutMs?: number }): Promise<T> {
    if (this.finished) return Promise.reject(qemuError(command, `VM ${this.id} is no longer running`));
    return this.qmp.execute<T>(command, args, opts);
  }

  sendLine(line: string): Promise<void> {
    return this.serial.write(`${line}\n`);
  }

  // Leaves QEMU running: only our connections close.
  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    this.opts.child?.off('exit', this.onChildExit);
    await Promise.all([this.qmp.close(), this.serial.close()]);
  }
}
