// The observer on a real directory: a peer whose counter moves is live, one that stops is expired
// after the timeout on the observer's clock; its own lease, temp files and junk are not peers.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { waitFor } from '@/lib/wait-for';
import { leaseFile, leasesDir, writeLease } from './lease-file';
import { createLeaseObserver } from './observer';

const timing = { renewMs: 200, timeoutMs: 1500, fenceAfterMs: 1000 };

describe('lease observer', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('sees a moving counter live and a stopped one expire after the timeout, never itself or junk', async () => {
    const dir = await tempDir('vmops-observer-');
    cleanup.push(dir.remove);
    await mkdir(leasesDir(dir.path), { recursive: true });
    let lastWriteAt = 0;
    const write = (host: string, counter: number) => {
      lastWriteAt = Date.now();
      return writeLease(leaseFile(dir.path, host), {
        format: 1,
        host,
        generation: 1,
        counter,
        renewedAt: new Date().toISOString(),
      });
    };
    await write('h1', 0); // the observer's own
    await write('h2', 0);
    await writeFile(path.join(leasesDir(dir.path), 'h3.lease.tmp'), 'half');
    await writeFile(path.join(leasesDir(dir.path), 'NOT_A_HOST.lease'), '{}');
    await writeFile(leaseFile(dir.path, 'h4'), 'garbage'); // unparsable: never read well, so no track

    const obs = createLeaseObserver({ shared: dir.path, self: 'h1', timing, log: () => {} });
    obs.start();
    cleanup.push(() => obs.stop());
    let counter = 0;
    const renewing = setInterval(() => void write('h2', ++counter), 200);
    cleanup.push(() => clearInterval(renewing));
    await waitFor('h2 live', () => obs.peer('h2')?.state === 'live' && counter > 3, 5_000, 20);
    expect(obs.peers().map((p) => p.host)).toEqual(['h2']);

    clearInterval(renewing);
    await waitFor('h2 expired', () => obs.peer('h2')?.state === 'expired', 10_000, 20);
    const took = Date.now() - lastWriteAt; // from the START of the last write: expiry never comes sooner
    expect(took).toBeGreaterThanOrEqual(timing.timeoutMs);
    expect(took).toBeLessThan(timing.timeoutMs + 2_000); // + one 500 ms poll, on a loaded host
    expect(obs.peer('h2')).toMatchObject({ counter, generation: 1 });
  });
});
