// Client of the guest's serial port (QEMU chardev socket). QEMU also copies everything to
// serial.log (logfile=), which is what consoleTail reads; this connection exists to send input and
// to see lines (the ready line) as they come. It must keep reading: an unread socket would fill
// up and stall the guest's UART.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { qemuError, timeout } from '@/lib/errors';
import { LineSplitter } from './qmp-client';

// Events: 'data' (Buffer: the guest's raw bytes, for console viewers), 'line' (string, CR
// stripped), 'close'.
export class SerialConsole extends EventEmitter {
  private readonly lines = new LineSplitter();
  private readonly decoder = new StringDecoder('utf8'); // a character split across chunks stays whole
  private isClosed = false;

  private constructor(private readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      this.emit('data', chunk);
      for (const line of this.lines.push(this.decoder.write(chunk))) this.emit('line', line);
    });
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => {
      this.isClosed = true;
      this.emit('close');
    });
  }

  static connect(path: string, timeoutMs = 5_000): Promise<SerialConsole> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(timeout(`serial console connect ${path}`, timeoutMs / 1000));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new SerialConsole(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(qemuError(`serial console connect ${path}`, err.message));
      });
    });
  }

  get closed() {
    return this.isClosed;
  }

  // Bytes accepted by write() but not yet handed to the kernel (a guest that stopped reading).
  get pendingBytes() {
    return this.socket.writableLength;
  }

  write(text: string | Buffer): Promise<void> {
    if (this.isClosed) return Promise.reject(qemuError('serial write', 'serial console connection is closed'));
    return new Promise((resolve, reject) =>
      this.socket.write(text, (err) => (err ? reject(qemuError('serial write', err.message)) : resolve())),
    );
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    const closed = new Promise<void>((r) => this.once('close', () => r()));
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 1000);
    await closed;
    clearTimeout(t);
  }
}
