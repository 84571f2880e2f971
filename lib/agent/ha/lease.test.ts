// The lease owner against a real directory, with short timings: acquire, renew, fence when the
// writes fail (the validity timer does not wait for them), recover once they work again.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { waitFor } from '@/lib/wait-for';
import { createLeaseOwner, type LeaseOwner } from './lease';
import { leaseFile, leasesDir, readLease } from './lease-file';

const timing = { renewMs: 100, timeoutMs: 1600, fenceAfterMs: 600 };

describe('lease owner', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function owner(shared: string, host = 'h1') {
    const events: string[] = [];
    let recovered = 0;
    const lease: LeaseOwner = createLeaseOwner({
      shared,
      host,
      timing,
      log: () => {},
      fence: () => (events.push('fence'), ['vm-a']),
      onRenewed: () => events.push('renewed'),
      onRecovered: async () => {
        recovered++;
      },
    });
    lease.start();
    cleanup.push(() => lease.stop());
    return { lease, events, recovered: () => recovered };
  }

  it('acquires with generation + 1 over the previous record, then moves the counter on every renewal', async () => {
    const dir = await tempDir('vmops-lease-');
    cleanup.push(dir.remove);
    await mkdir(leasesDir(dir.path), { recursive: true });
    await writeFile(
      leaseFile(dir.path, 'h1'),
      JSON.stringify({ format: 1, host: 'h1', generation: 4, counter: 99, renewedAt: 'x' }),
    );
    const { lease } = await owner(dir.path);
    const current = async () => (await readLease(leaseFile(dir.path, 'h1'))) as { generation: number; counter: number };
    await waitFor(
      'renewed a few times',
      async () => (await current()).generation === 5 && (await current()).counter >= 3,
      5_000,
      20,
    );
    expect(await readLease(leaseFile(dir.path, 'h1'))).toMatchObject({ format: 1, host: 'h1', generation: 5 });
    expect(lease.status()).toMatchObject({ generation: 5, valid: true, fenced: false, lastError: null });
    expect(lease.mayRunShared()).toBe(true);
  });

  it('fences once renewals fail for fenceAfterMs, refuses shared VMs, and recovers after a good renewal', async () => {
    const dir = await tempDir('vmops-lease-');
    cleanup.push(dir.remove);
    const { lease, events, recovered } = await owner(dir.path);
    await waitFor('acquired', () => lease.status().valid, 5_000, 20);
    // The storage "goes away": the leases dir is replaced by a file, every write fails at once.
    const moved = path.join(dir.path, 'moved');
    await rename(leasesDir(dir.path), moved);
    await writeFile(leasesDir(dir.path), 'not a dir');
    const cutAt = Date.now();
    await waitFor('fenced', () => lease.status().fenced, 5_000, 10);
    const fencedAfter = Date.now() - cutAt;
    expect(Date.parse(lease.status().fencedAt!)).toBeGreaterThanOrEqual(cutAt - 5); // never while renewals worked
    expect(fencedAfter).toBeLessThan(timing.timeoutMs); // before any peer may declare expiry
    expect(events).toContain('fence');
    expect(lease.status()).toMatchObject({
      valid: false,
      fenced: true,
      fencedVmIds: ['vm-a'],
      lastError: expect.stringMatching(/renewal failed/),
    });
    expect(lease.mayRunShared()).toBe(false);

    await rm(leasesDir(dir.path));
    await rename(moved, leasesDir(dir.path));
    await waitFor('valid again', () => lease.mayRunShared(), 5_000, 10);
    expect(recovered()).toBe(1);
    expect(lease.status()).toMatchObject({ valid: true, fenced: false, lastError: null, fencedVmIds: ['vm-a'] });
  });
});
