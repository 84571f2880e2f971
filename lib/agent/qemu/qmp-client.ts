// Hand-written QMP client over a unix socket. QMP is newline-delimited JSON: a greeting, then
// replies carrying the id we sent and asynchronous events interleaved anywhere. Small enough to
// own (no dependency), and owning it lets every failure become a coded error the UI can show.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { qemuError, timeout } from '@/lib/errors';

export type QmpEvent = {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
};

export type QmpGreeting = {
  version?: { qemu?: { major: number; minor: number; micro: number } };
  capabilities?: string[];
};

type Pending = {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
};

export type QmpConnectOptions = {
  connectTimeoutMs?: number; // socket connect + greeting + qmp_capabilities
  commandTimeoutMs?: number; // default per command, overridable per call
};

// Splits a byte stream into lines. Chunks may end mid-line or hold several lines; a partial line
// waits for the rest. Exported for the framing tests.
export class LineSplitter {
  private buf = '';
  push(chunk: string): string[] {
    this.buf += chunk;
    const parts = this.buf.split('\n');
    this.buf = parts.pop() ?? '';
    return parts.map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  }
}

// Events: 'event' (QmpEvent) for every asynchronous QMP event, 'close' (reason: string) once.
export class QmpClient extends EventEmitter {
  private readonly pending = new Map<string, Pending>();
  private readonly lines = new LineSplitter();
  private nextId = 1;
  private closeReason: string | null = null;
  greeting: QmpGreeting = {};
  private greeted: ((g: QmpGreeting) => void) | null = null;

  private constructor(
    private readonly socket: net.Socket,
    readonly path: string,
    private readonly commandTimeoutMs: number,
  ) {
    super();
    socket.setEncoding('utf8'); // StringDecoder: multi-byte characters split across chunks survive
    socket.on('data', (chunk: string) => {
      for (const line of this.lines.push(chunk)) this.onLine(line);
    });
    let lastError: Error | null = null;
    socket.on('error', (err) => (lastError = err));
    socket.on('close', () =>
      this.onClose(lastError ? `QMP socket error: ${lastError.message}` : 'QMP connection closed (QEMU exited?)'),
    );
  }

  static async connect(path: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    const socket = net.createConnection(path);
    const client = new QmpClient(socket, path, opts.commandTimeoutMs ?? 30_000);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          client.greeting = await new Promise<QmpGreeting>((resolve, reject) => {
            client.greeted = resolve;
            client.once('close', (reason: string) => reject(qemuError(`QMP connect ${path}`, reason)));
          });
          await client.execute('qmp_capabilities');
        })(),
        new Promise<never>((_, reject) => {
          // A unix socket server that already has a client (QEMU accepts one QMP client at a time)
          // still accepts the connection into its backlog but never greets: that ends up here.
          timer = setTimeout(
            () => reject(timeout(`QMP handshake on ${path} (is another client attached?)`, connectTimeoutMs / 1000)),
            connectTimeoutMs,
          );
        }),
      ]);
    } catch (err) {
      client.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  get closed(): boolean {
    return this.closeReason !== null;
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closeReason !== null) return Promise.reject(qemuError(command, this.closeReason));
    const id = `vmops-${this.nextId++}`;
    const ms = opts.timeoutMs ?? this.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The late reply (if any) is dropped: its id is no longer pending.
        this.pending.delete(id);
        reject(timeout(`QMP ${command}`, ms / 1000));
      }, ms);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(
        `${JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id })}\n`,
      );
    });
  }

  // Resolves with the first event named `name` that passes `match`, or null after timeoutMs.
  waitForEvent(
    name: string,
    timeoutMs: number,
    match: (ev: QmpEvent) => boolean = () => true,
  ): Promise<QmpEvent | null> {
    return new Promise((resolve) => {
      const done = (ev: QmpEvent | null) => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('close', onClose);
        resolve(ev);
      };
      const onEvent = (ev: QmpEvent) => ev.event === name && match(ev) && done(ev);
      const onClose = () => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      this.on('event', onEvent);
      this.on('close', onClose);
    });
  }

  // Closes our side only; QEMU keeps running and accepts the next client.
  async close(): Promise<void> {
    if (this.closeReason !== null) return;
    const closed = new Promise<void>((r) => this.once('close', () => r()));
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 1000);
    await closed;
    clearTimeout(t);
  }

  private destroy() {
    this.socket.destroy();
  }

  private onLine(line: string) {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not JSON: nothing we could route it to
    }
    if ('QMP' in msg) {
      this.greeted?.(msg.QMP as QmpGreeting);
      this.greeted = null;
      return;
    }
    if (typeof msg.event === 'string') {
      this.emit('event', msg as unknown as QmpEvent);
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : null;
    const p = id ? this.pending.get(id) : undefined;
    if (!p || !id) return; // a reply to a command that already timed out
    this.pending.delete(id);
    clearTimeout(p.timer);
    if ('error' in msg) {
      const e = msg.error as { class?: string; desc?: string };
      p.reject(qemuError(p.command, e.desc ?? e.class ?? 'unknown QMP error'));
    } else {
      p.resolve(msg.return);
    }
  }

  private onClose(reason: string) {
    if (this.closeReason !== null) return;
    this.closeReason = reason;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(qemuError(p.command, `${reason} before QEMU answered`));
    }
    this.emit('close', reason);
  }
}
