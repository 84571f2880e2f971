// QMP client against a real unix-socket server that speaks like QEMU (greeting, capabilities,
// replies with our ids, events anywhere) and can misbehave on purpose.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineSplitter, QmpClient, type QmpEvent } from './qmp-client';

type Cmd = { execute: string; arguments?: Record<string, unknown>; id: string };
type Handler = (cmd: Cmd, conn: net.Socket) => void;

const GREETING =
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}\r\n';
const send = (conn: net.Socket, msg: unknown) => conn.write(`${JSON.stringify(msg)}\r\n`);

let dir: string;
let server: net.Server | undefined;
let sockPath: string;
const conns: net.Socket[] = [];
const clients: QmpClient[] = [];

// Starts a fake QEMU monitor. `handler` answers every command except qmp_capabilities.
async function fakeQemu(handler: Handler, opts: { greet?: boolean } = {}) {
  const srv = net.createServer((conn) => {
    conns.push(conn);
    if (opts.greet !== false) conn.write(GREETING);
    const lines = new LineSplitter();
    conn.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        const cmd = JSON.parse(line) as Cmd;
        if (cmd.execute === 'qmp_capabilities') send(conn, { return: {}, id: cmd.id });
        else handler(cmd, conn);
      }
    });
    conn.on('error', () => {});
  });
  server = srv;
  await new Promise<void>((r) => srv.listen(sockPath, r));
}

async function connect(opts?: Parameters<typeof QmpClient.connect>[1]) {
  const c = await QmpClient.connect(sockPath, opts);
  clients.push(c);
  return c;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'qmp-test-'));
  sockPath = path.join(dir, 'qmp.sock');
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const c of conns.splice(0)) c.destroy();
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('LineSplitter', () => {
  it('joins partial chunks, splits several lines per chunk, strips CR, drops blank lines', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":')).toEqual([]);
    expect(s.push('1}\r\n{"b":2}\r\n\r\n{"c"')).toEqual(['{"a":1}', '{"b":2}']);
    expect(s.push(':3}\n')).toEqual(['{"c":3}']);
  });
});

describe('QmpClient', () => {
  it('handshakes, then matches replies to commands by id even out of order', async () => {
    const held: Cmd[] = [];
    await fakeQemu((cmd, conn) => {
      held.push(cmd);
      if (held.length === 2) {
        // Answer the second command first.
        send(conn, { return: { n: 2, cmd: held[1].execute }, id: held[1].id });
        send(conn, { return: { n: 1, cmd: held[0].execute }, id: held[0].id });
      }
    });
    const c = await connect();
    expect(c.greeting.version?.qemu?.major).toBe(7);
    const [a, b] = await Promise.all([c.execute('query-status'), c.execute('query-version', { x: 1 })]);
    expect(a).toEqual({ n: 1, cmd: 'query-status' });
    expect(b).toEqual({ n: 2, cmd: 'query-version' });
    expect(held[0].id).not.toBe(held[1].id);
    expect(held[1].arguments).toEqual({ x: 1 });
  });

  it('reassembles messages split byte by byte and several messages in one chunk, with events between', async () => {
    await fakeQemu((cmd, conn) => {
      const ev = (name: string) =>
        `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "${name}", "data": {"reason": "x"}}\r\n`;
      const reply = `{"return": {"status": "running", "running": true}, "id": "${cmd.id}"}\r\n`;
      const all = ev('STOP') + reply + ev('RESUME');
      let i = 0;
      const drip = () => {
        if (i >= all.length) return;
        conn.write(all[i++]);
        setImmediate(drip);
      };
      if (cmd.execute === 'drip') drip();
      else conn.write(ev('A') + ev('B') + reply);
    });
    const c = await connect();
    const events: string[] = [];
    c.on('event', (e: QmpEvent) => events.push(e.event));
    const resume = c.waitForEvent('RESUME', 5000);
    expect(await c.execute('drip')).toEqual({ status: 'running', running: true });
    expect((await resume)?.data).toEqual({ reason: 'x' });
    expect(await c.execute('burst')).toEqual({ status: 'running', running: true });
    expect(events).toEqual(['STOP', 'RESUME', 'A', 'B']);
  });

  it("turns a QMP error reply into a coded QEMU_ERROR with QEMU's description", async () => {
    await fakeQemu((cmd, conn) =>
      send(conn, {
        error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` },
        id: cmd.id,
      }),
    );
    const c = await connect();
    await expect(c.execute('query-nothing')).rejects.toMatchObject({
      code: 'QEMU_ERROR',
      message: 'query-nothing: The command query-nothing has not been found',
      data: { what: 'query-nothing', source: 'qemu' },
    });
  });

  it('times out one command without disturbing the others; a late reply is dropped', async () => {
    await fakeQemu((cmd, conn) => {
      if (cmd.execute === 'slow') setTimeout(() => send(conn, { return: 'late', id: cmd.id }), 150);
      else send(conn, { return: 'quick', id: cmd.id });
    });
    const c = await connect();
    await expect(c.execute('slow', undefined, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('QMP slow'),
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(await c.execute('fast')).toBe('quick');
  });

  it('rejects every pending command with a clear error when the socket closes, and later ones too', async () => {
    await fakeQemu((cmd, conn) => {
      if (cmd.execute === 'quit') conn.destroy(); // QEMU going away mid-command
    });
    const c = await connect();
    const closed = new Promise<string>((r) => c.once('close', r));
    const pending = [c.execute('query-status'), c.execute('quit')].map((p) =>
      p.catch((e: Error & { code?: string }) => e),
    );
    const errs = await Promise.all(pending);
    for (const e of errs) {
      expect(e).toMatchObject({ code: 'QEMU_ERROR' });
      expect((e as Error).message).toMatch(/connection closed.*before QEMU answered/);
    }
    expect(await closed).toMatch(/closed/);
    expect(c.closed).toBe(true);
    await expect(c.execute('query-status')).rejects.toMatchObject({ code: 'QEMU_ERROR' });
  });

  it('fails the handshake with TIMEOUT when the server never greets (another client holds QEMU)', async () => {
    await fakeQemu(() => {}, { greet: false });
    await expect(QmpClient.connect(sockPath, { connectTimeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('fails fast with QEMU_ERROR when nothing listens on the socket', async () => {
    await fakeQemu(() => {});
    await expect(QmpClient.connect(path.join(dir, 'missing.sock'))).rejects.toMatchObject({ code: 'QEMU_ERROR' });
  });

  it('close() leaves the server able to take the next client', async () => {
    await fakeQemu((cmd, conn) => send(conn, { return: cmd.execute, id: cmd.id }));
    const a = await connect();
    await a.close();
    expect(a.closed).toBe(true);
    const b = await connect();
    expect(await b.execute('again')).toBe('again');
  });
});
