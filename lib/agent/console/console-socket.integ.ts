// The serial console WebSocket on real QEMU (TCG) and the test guest: several viewers share the
// VM's one serial connection, keystrokes of one reach the guest and every viewer sees the answer,
// the agent's own ready-line watcher keeps working, refusals are coded. A machine without QEMU
// FAILS this file: it never skips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type QemuTestAgent, startQemuTestAgent } from '@/lib/testing/agents';
import { buildGuest, GUEST_DISK, guestBoot, waitGuestReady } from '@/lib/testing/guest';
import { waitFor } from '@/lib/wait-for';
import { CONSOLE_CLOSE, parseControl, type ConsoleControl } from '@/lib/agent-protocol/console';

const VM = 'console-1';
const STATUS_LINE = /^VMOPS-STATUS uptime=\S+ seq=\d+ burn=[01]$/;
let h: QemuTestAgent;

type TestViewer = {
  ws: WebSocket;
  text: () => string;
  controls: ConsoleControl[];
  closed: Promise<{ code: number; reason: string }>;
};

function wsUrl(id: string) {
  return `${h.baseUrl.replace(/^http/, 'ws')}/v1/vms/${id}/serial/ws`;
}

function connect(id = VM, secret: string | null = h.secret): Promise<TestViewer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(id), { headers: secret === null ? {} : { authorization: `Bearer ${secret}` } });
    const chunks: Buffer[] = [];
    const controls: ConsoleControl[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (data: Buffer, binary) => {
      if (binary) chunks.push(data);
      else controls.push(parseControl(data.toString())!);
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res
        .on('data', (c: Buffer) => (body += c))
        .on('end', () =>
          reject(
            Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body) }),
          ),
        );
    });
    ws.on('error', reject);
    ws.on('open', () => resolve({ ws, text: () => Buffer.concat(chunks).toString('utf8'), controls, closed }));
  });
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => ({ status: 101, body: null }),
    (e: { status: number; body: { error: { code: string } } }) => ({ status: e.status, code: e.body?.error.code }),
  );

// Whole lines (newline-terminated) of what a viewer received after `from` characters.
const wholeLinesAfter = (v: TestViewer, from: number) =>
  v.text().slice(from).replace(/\r/g, '').split('\n').slice(0, -1);

beforeAll(async () => {
  buildGuest();
  h = await startQemuTestAgent('con1');
  await h.client.createVm({
    id: VM,
    name: VM,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeBytes: 64 * 1024 ** 2,
    baseImagePath: GUEST_DISK,
    boot: guestBoot(),
  });
});

afterAll(async () => {
  await h?.stop();
});

describe('serial console WebSocket (real QEMU)', () => {
  let a: TestViewer;
  let b: TestViewer;

  it('lets two viewers watch the boot while the agent still sees the ready line', async () => {
    [a, b] = await Promise.all([connect(), connect()]);
    await waitGuestReady(h.client, VM);
    for (const v of [a, b]) {
      expect(v.controls[0]).toMatchObject({ type: 'attached' });
      await waitFor('the ready line on the viewer', async () => /VMOPS-READY/.test(v.text()), 30_000, 50);
    }
  });

  it("sends one viewer's keystrokes to the guest; both see the whole reply", async () => {
    const from = [a.text().length, b.text().length];
    a.ws.send('status\r'); // what a terminal's Enter sends
    for (const [i, v] of [a, b].entries()) {
      const line = await waitFor(
        `viewer ${i} sees the whole status reply`,
        async () => wholeLinesAfter(v, from[i]).find((l) => STATUS_LINE.test(l)),
        60_000,
        50,
      );
      expect(line).toMatch(STATUS_LINE);
    }
  });

  it('gives a new viewer the recent history first', async () => {
    const c = await connect();
    await waitFor(
      'history',
      async () => c.controls[0]?.type === 'attached' && /VMOPS-STATUS/.test(c.text()),
      10_000,
      50,
    );
    const attached = c.controls[0] as Extract<ConsoleControl, { type: 'attached' }>;
    expect(attached.historyBytes).toBeGreaterThan(0);
    expect(attached.historyBytes).toBeLessThanOrEqual(64 * 1024);
    c.ws.close();
  });

  it('refuses without the bearer, with a wrong one, an unknown VM and a bad path; closes oversized frames', async () => {
    expect(await refusal(connect(VM, null))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refusal(connect(VM, 'not-the-secret'))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refusal(connect('no-such-vm'))).toEqual({ status: 404, code: 'NO_SUCH_OBJECT' });
    expect(await refusal(connect('BAD..id'))).toEqual({ status: 422, code: 'INVALID_INPUT' });
    const c = await connect();
    c.ws.send(Buffer.alloc(5000, 0x61));
    expect((await c.closed).code).toBe(1009); // message too big
  });

  it('shows a restart on the same connection and the guest turns ready again', async () => {
    const readyLines = (v: TestViewer) => v.text().split('VMOPS-READY').length - 1;
    const before = readyLines(a);
    await h.driver.resetVm(VM);
    await waitFor(
      'reset shown to both viewers',
      async () => [a, b].every((v) => v.controls.some((m) => m.type === 'reset')),
      30_000,
      50,
    );
    // The new boot's ready line reaches the viewers live, and the agent's own watcher sees it too.
    await waitFor('the new ready line on the viewer', async () => readyLines(a) > before, 120_000, 50);
    await waitGuestReady(h.client, VM);
  });

  it('tells viewers the VM stopped and closes; an off VM is refused with 409', async () => {
    await h.driver.killVm(VM);
    for (const v of [a, b]) {
      const { code } = await v.closed;
      expect(code).toBe(CONSOLE_CLOSE.stopped);
      expect(v.controls.at(-1)).toMatchObject({ type: 'stopped' });
    }
    expect(await refusal(connect())).toEqual({ status: 409, code: 'VM_BAD_POWER_STATE' });
  });
});
