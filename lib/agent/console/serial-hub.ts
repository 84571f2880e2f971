// One per running VM that has console viewers. QEMU's serial chardev serves ONE client, and the
// VM's session already is that client (it watches for the ready line), so viewers share its
// connection: every viewer gets the guest's raw bytes (the log tail first) and its keystrokes go
// into the same socket. Nothing buffers without bound: a viewer that does not keep up is dropped,
// and input for a guest that stopped reading is refused.
import { open, stat } from 'node:fs/promises';
import { withDeadline } from '../fs-bounds';
import type { QmpEvent } from '../qemu/qmp-client';
import type { VmSession } from '../qemu/vm-session';
import {
  CONSOLE_CLOSE,
  CONSOLE_HISTORY_BYTES,
  CONSOLE_SEND_BUFFER_MAX,
  type ConsoleControl,
} from '@/lib/agent-protocol/console';

export type Viewer = {
  send(bytes: Buffer): void;
  control(msg: ConsoleControl): void;
  close(code: number, reason: string): void;
  readonly buffered: number; // bytes queued towards this viewer
};

const INPUT_PENDING_MAX = 64 * 1024; // keystrokes the guest has not taken yet
const HISTORY_READ_MS = 5_000; // serial.log may sit on shared storage

export class SerialHub {
  private readonly viewers = new Set<Viewer>();
  private ring: Buffer[] = [];
  private ringBytes = 0;
  private readonly seeded: Promise<void>;
  private disposed = false;
  private joining = 0; // viewers waiting for the history: the hub must not end under them
  private sizing = true; // the log's size is being read
  private receivedWhileSizing = 0;

  constructor(
    private readonly session: VmSession,
    logFile: string,
    private readonly onEmpty: () => void,
  ) {
    // The history ends where live output begins: QEMU logs each byte right after writing it to
    // our socket, so what arrived while the log's size was read is already in it and is cut off
    // the history (only bytes still in the socket's kernel buffer can show twice). No sync I/O:
    // the log may sit on shared storage, and this process runs the HA fencing timer.
    session.serial.on('data', this.onData);
    session.serial.once('close', this.onClose);
    session.qmp.on('event', this.onEvent);
    this.seeded = withDeadline(stat(logFile), HISTORY_READ_MS, `stat ${logFile}`)
      .then(
        (st) => ((this.sizing = false), readTail(logFile, CONSOLE_HISTORY_BYTES, st.size - this.receivedWhileSizing)),
      )
      .catch(() => ((this.sizing = false), Buffer.alloc(0)))
      .then((tail) => {
        this.ring.unshift(tail);
        this.ringBytes += tail.length;
        this.trim();
      });
  }

  get size() {
    return this.viewers.size;
  }

  // Sends the history, then the viewer receives live output until it leaves or is dropped.
  async join(viewer: Viewer): Promise<void> {
    this.joining++;
    await this.seeded.finally(() => this.joining--);
    if (this.disposed || this.session.serial.closed) {
      viewer.control({ type: 'stopped', reason: 'the VM stopped' });
      return viewer.close(CONSOLE_CLOSE.stopped, 'VM stopped');
    }
    const history = Buffer.concat(this.ring);
    viewer.control({ type: 'attached', historyBytes: history.length });
    if (history.length) viewer.send(history);
    this.viewers.add(viewer);
  }

  // A dropped viewer leaves too (when its socket closes).
  leave(viewer: Viewer): void {
    this.viewers.delete(viewer);
    if (this.viewers.size > 0 || this.joining > 0 || this.disposed) return;
    this.dispose();
    this.onEmpty();
  }

  // Keystrokes; false when refused (the guest has not taken what it was sent).
  input(bytes: Buffer): boolean {
    const serial = this.session.serial;
    if (serial.closed || serial.pendingBytes > INPUT_PENDING_MAX) return false;
    serial.write(bytes).catch(() => {}); // a closed socket ends the hub through 'close'
    return true;
  }

  // Every viewer leaves with this code (agent stopping).
  closeAll(code: number, reason: string): void {
    for (const v of this.viewers) v.close(code, reason);
    this.viewers.clear();
    this.dispose();
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.sizing) this.receivedWhileSizing += chunk.length;
    this.ring.push(chunk);
    this.ringBytes += chunk.length;
    this.trim();
    for (const v of this.viewers) {
      if (v.buffered + chunk.length > CONSOLE_SEND_BUFFER_MAX) {
        this.viewers.delete(v);
        v.close(CONSOLE_CLOSE.slow, 'console output not read fast enough');
      } else v.send(chunk);
    }
  };

  private readonly onEvent = (ev: QmpEvent) => {
    if (ev.event === 'RESET') for (const v of this.viewers) v.control({ type: 'reset' });
  };

  private readonly onClose = () => {
    const reason = this.session.shutdownReason ? `the VM stopped (${this.session.shutdownReason})` : 'the VM stopped';
    for (const v of this.viewers) {
      v.control({ type: 'stopped', reason });
      v.close(CONSOLE_CLOSE.stopped, 'VM stopped');
    }
    this.viewers.clear();
    this.dispose();
    this.onEmpty();
  };

  // Keeps the newest CONSOLE_HISTORY_BYTES (whole chunks, but never less than that).
  private trim() {
    while (this.ring.length > 1 && this.ringBytes - this.ring[0].length >= CONSOLE_HISTORY_BYTES)
      this.ringBytes -= this.ring.shift()!.length;
  }

  private dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.session.serial.off('data', this.onData);
    this.session.serial.off('close', this.onClose);
    this.session.qmp.off('event', this.onEvent);
    this.ring = [];
    this.ringBytes = 0;
  }
}

// The last `max` bytes of the log before `end`, from the first line start inside them (no half
// line, no half escape sequence or character at the top of the screen).
export async function readTail(file: string, max: number, end: number): Promise<Buffer> {
  if (end <= 0) return Buffer.alloc(0);
  const fh = await withDeadline(open(file, 'r'), HISTORY_READ_MS, `open ${file}`);
  try {
    const start = Math.max(0, end - max);
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await withDeadline(fh.read(buf, 0, buf.length, start), HISTORY_READ_MS, `read ${file}`);
    const got = buf.subarray(0, bytesRead);
    if (start === 0) return got;
    const nl = got.indexOf(0x0a);
    return nl < 0 ? Buffer.alloc(0) : got.subarray(nl + 1);
  } finally {
    await fh.close().catch(() => {});
  }
}
