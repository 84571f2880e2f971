// Where a checkpoint's memory state goes: QEMU migrates into a unix socket the agent listens on
// (in a private 0700 directory: no other local user can connect), and the agent pipes the stream
// into a zstd process started before the VM stopped. An `exec:` URI would fork a shell inside
// QEMU during the pause (measured 5-12 ms of it). The file gets its final name only once QEMU said
// 'completed' and zstd has exited cleanly: an EOF from a failed migration never looks complete.
import { spawn } from 'node:child_process';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { qemuError } from '@/lib/errors';

export const partialOf = (stateFile: string) => `${stateFile}.partial`;

export type StateWriter = {
  uri: string; // for QMP migrate
  complete(): Promise<void>; // after query-migrate 'completed': zstd done, file renamed
  abort(): Promise<void>; // removes everything; safe to call twice
};

export async function openStateWriter(stateFile: string): Promise<StateWriter> {
  const partial = partialOf(stateFile);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vmops-state-'));
  const sock = path.join(dir, 'state.sock');
  const out = await open(partial, 'w');
  let stderr = '';
  let zstd: ReturnType<typeof spawn>;
  try {
    zstd = spawn('zstd', ['-q', '-1', '-c'], { stdio: ['pipe', out.fd, 'pipe'] });
  } finally {
    await out.close(); // the child has its own copy
  }
  zstd.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  zstd.stdin!.on('error', () => {}); // a killed zstd: reported by its exit
  const exited = new Promise<void>((resolve, reject) => {
    zstd.on('error', (err) => reject(qemuError('zstd', err.message)));
    zstd.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(qemuError('zstd', stderr.trim() || `exited with ${signal ?? `code ${code}`}`)),
    );
  });
  exited.catch(() => {});

  let conn: net.Socket | null = null;
  const server = net.createServer((c) => {
    if (conn) return void c.destroy(); // QEMU connects once
    conn = c;
    server.close();
    c.pipe(zstd.stdin!);
  });
  const cleanup = async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(sock, resolve));
  } catch (err) {
    zstd.kill('SIGKILL');
    await cleanup();
    await rm(partial, { force: true });
    throw err;
  }

  return {
    uri: `unix:${sock}`,
    async complete() {
      if (!conn) throw qemuError('memory state', 'QEMU never connected to the state socket');
      await exited; // QEMU closed the stream: zstd flushes and ends
      await cleanup();
      await rename(partial, stateFile);
    },
    async abort() {
      (conn as net.Socket | null)?.destroy();
      zstd.kill('SIGKILL');
      await exited.catch(() => {});
      await cleanup();
      await Promise.all([rm(partial, { force: true }), rm(stateFile, { force: true })]);
    },
  };
}
