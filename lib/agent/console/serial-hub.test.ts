import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import type { VmSession } from '../qemu/vm-session';
import { inputBucket } from './input-bucket';
import {
  CONSOLE_CLOSE,
  CONSOLE_HISTORY_BYTES,
  CONSOLE_SEND_BUFFER_MAX,
  type ConsoleControl,
} from '@/lib/agent-protocol/console';
import { SerialHub, type Viewer } from './serial-hub';

let dir: Awaited<ReturnType<typeof tempDir>>;
let log: string;
beforeAll(async () => {
  dir = await tempDir('vmops-hub-');
  log = path.join(dir.path, 'serial.log');
  // 100 KiB of numbered lines: the history must be the newest 64 KiB, from a line start.
  await writeFile(
    log,
    Array.from({ length: 2000 }, (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}\r\n`).join(''),
  );
});
afterAll(() => dir.remove());

class FakeSerial extends EventEmitter {
  closed = false;
  pendingBytes = 0;
  written: string[] = [];
  async write(b: Buffer) {
    this.written.push(b.toString());
  }
}

function fakeSession() {
  const serial = new FakeSerial();
  const qmp = new EventEmitter();
  return { serial, qmp, session: { serial, qmp, shutdownReason: null } as unknown as VmSession };
}

function viewer() {
  const v = {
    bytes: [] as Buffer[],
    controls: [] as ConsoleControl[],
    closed: null as null | { code: number; reason: string },
    buffered: 0,
  };
  const api: Viewer = {
    send: (b) => void v.bytes.push(b),
    control: (m) => void v.controls.push(m),
    close: (code, reason) => void (v.closed = { code, reason }),
    get buffered() {
      return v.buffered;
    },
  };
  return { v, api, text: () => Buffer.concat(v.bytes).toString() };
}

describe('SerialHub', () => {
  it('gives a new viewer the log tail from a line start, then live output; several viewers at once', async () => {
    const { serial, session } = fakeSession();
    const hub = new SerialHub(session, log, () => {});
    const a = viewer();
    await hub.join(a.api);
    const attached = a.v.controls[0] as Extract<ConsoleControl, { type: 'attached' }>;
    expect(attached.type).toBe('attached');
    expect(attached.historyBytes).toBeLessThanOrEqual(CONSOLE_HISTORY_BYTES);
    expect(attached.historyBytes).toBeGreaterThan(CONSOLE_HISTORY_BYTES - 100);
    expect(a.text()).toMatch(/^line \d{4} x+\r\n/);
    expect(a.text().endsWith('line 1999 ' + 'x'.repeat(40) + '\r\n')).toBe(true);

    const b = viewer();
    await hub.join(b.api);
    serial.emit('data', Buffer.from('VMOPS-STATUS uptime=1\r\n'));
    for (const x of [a, b]) expect(x.text().endsWith('VMOPS-STATUS uptime=1\r\n')).toBe(true);
    expect(hub.size).toBe(2);
  });

  it('shows output that arrived while the log was being measured once, not twice', async () => {
    const small = path.join(dir.path, 'small.log');
    await writeFile(small, 'old\r\nlive\r\n'); // QEMU logged "live" right after sending it to us
    const { serial, session } = fakeSession();
    const hub = new SerialHub(session, small, () => {});
    serial.emit('data', Buffer.from('live\r\n'));
    const a = viewer();
    await hub.join(a.api);
    expect(a.text()).toBe('old\r\nlive\r\n');
  });

  it('drops a viewer that does not read, keeps the others; keystrokes go to the serial socket unless it is backed up', async () => {
    const { serial, session } = fakeSession();
    const hub = new SerialHub(session, log, () => {});
    const [slow, fast] = [viewer(), viewer()];
    await hub.join(slow.api);
    await hub.join(fast.api);
    slow.v.buffered = CONSOLE_SEND_BUFFER_MAX;
    serial.emit('data', Buffer.from('more\r\n'));
    expect(slow.v.closed?.code).toBe(CONSOLE_CLOSE.slow);
    expect(fast.text().endsWith('more\r\n')).toBe(true);
    expect(hub.size).toBe(1);

    expect(hub.input(Buffer.from('status\r'))).toBe(true);
    expect(serial.written).toEqual(['status\r']);
    serial.pendingBytes = 1024 * 1024;
    expect(hub.input(Buffer.from('x'))).toBe(false);
  });

  it('tells viewers about a guest reset and a stop; the last one leaving ends the hub', async () => {
    const { serial, qmp, session } = fakeSession();
    let ended = 0;
    const a = viewer();
    await new SerialHub(session, log, () => ended++).join(a.api);
    qmp.emit('event', { event: 'RESET', data: { guest: false } });
    expect(a.v.controls.at(-1)).toEqual({ type: 'reset' });
    serial.closed = true;
    serial.emit('close');
    expect(a.v.controls.at(-1)).toMatchObject({ type: 'stopped' });
    expect(a.v.closed?.code).toBe(CONSOLE_CLOSE.stopped);
    expect(ended).toBe(1);
    expect(serial.listenerCount('data')).toBe(0);

    const { session: s2 } = fakeSession();
    const hub2 = new SerialHub(s2, log, () => ended++);
    const b = viewer();
    await hub2.join(b.api);
    hub2.leave(b.api);
    expect(ended).toBe(2);
  });

  it('rate-limits keystrokes per viewer', () => {
    let now = 0;
    const bucket = inputBucket({ burstBytes: 100, bytesPerSec: 10 }, () => now);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    now = 1000;
    expect(bucket.take(10)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });
});
