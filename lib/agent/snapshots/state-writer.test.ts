// The memory state's path to its file without QEMU: a client plays QEMU on the writer's unix
// socket. The file gets its final name only on complete(); an abort leaves nothing; the load URI
// QEMU hands to /bin/sh names exactly the file, whatever its path holds.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { loadUri } from './point-qmp';
import { openStateWriter, partialOf } from './state-writer';

let tmp: Awaited<ReturnType<typeof tempDir>>;
const sh = (uri: string) =>
  execFileSync('/bin/sh', ['-c', uri.replace(/^exec:/, '')], { encoding: 'utf8', cwd: tmp.path });

// Connects like QEMU's migration and sends `data`.
function playQemu(uri: string, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(uri.replace(/^unix:/, ''), () => c.end(data, resolve));
    c.on('error', reject);
  });
}

beforeAll(async () => {
  tmp = await tempDir('vmops-state-writer-');
});
afterAll(() => tmp?.remove());

describe('state writer', () => {
  it('compresses the stream into the state file, named only once complete', async () => {
    const dir = path.join(tmp.path, `it's a "dir" $(touch pwned) ; x`);
    mkdirSync(dir);
    const state = path.join(dir, 'state-pt-1.zst');
    const w = await openStateWriter(state);
    expect(w.uri).toMatch(/^unix:\//);
    await playQemu(w.uri, 'the guest memory '.repeat(1000));
    expect(existsSync(state)).toBe(false);
    await w.complete();
    expect(readdirSync(dir)).toEqual(['state-pt-1.zst']);
    expect(sh(loadUri(state))).toBe('the guest memory '.repeat(1000));
    expect(readdirSync(tmp.path)).toEqual([path.basename(dir)]); // the shell ran nothing else (cwd: tmp)
    expect(existsSync(w.uri.slice('unix:'.length))).toBe(false); // socket dir removed
  });

  it('leaves nothing behind on abort, and refuses to complete what QEMU never sent', async () => {
    const state = path.join(tmp.path, 'state-pt-2.zst');
    const w = await openStateWriter(state);
    expect(existsSync(partialOf(state))).toBe(true);
    await w.abort();
    expect(existsSync(partialOf(state))).toBe(false);
    const w2 = await openStateWriter(state);
    await expect(w2.complete()).rejects.toMatchObject({ code: 'QEMU_ERROR' });
    await w2.abort();
    expect(readdirSync(tmp.path).filter((f) => f.startsWith('state-pt-2'))).toEqual([]);
  });
});
