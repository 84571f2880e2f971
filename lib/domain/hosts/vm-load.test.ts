import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import { getHost, listHosts } from './queries';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const MiB = 1024 * 1024;

describe('the host list', () => {
  it("sums each host's VMs and their memory claim in the database exactly as one host's page does", async () => {
    const states = ['running', 'paused', 'stopping', 'migrating', 'provisioning', 'starting', 'stopped', 'error'];
    for (const [h, name] of ['h1', 'h2', 'h3'].entries()) {
      const host = await db().host.create({
        data: {
          name,
          agentUrl: `http://127.0.0.1:${7100 + h}`,
          agentTokenHash: `hash-${name}`,
          lastHeartbeat: new Date(),
          memoryTotalBytes: BigInt(64 * 1024) * BigInt(MiB),
          memoryUsedBytes: BigInt(h * 1000) * BigInt(MiB),
        },
      });
      if (name === 'h3') continue; // no VMs at all
      for (const [i, state] of states.entries())
        for (const rssMiB of [0, 100.5, 3000])
          // untouched, partly touched, over its allocation
          await db().vm.create({
            data: {
              id: `vm-${name}-${i}-${Math.floor(rssMiB)}`,
              name: `${name}-${i}-${Math.floor(rssMiB)}`,
              hostId: host.id,
              state,
              vcpus: 1,
              memoryMiB: 512 * (h + 1) * (i + 1),
              diskSizeBytes: 1n,
              rssBytes: BigInt(Math.round(rssMiB * MiB)),
            },
          });
    }
    const listed = await listHosts();
    expect(listed.map((h) => [h.name, h.vmCount, h.runningVmCount])).toEqual([
      ['h1', 24, 3],
      ['h2', 24, 3],
      ['h3', 0, 0],
    ]);
    for (const h of listed) {
      const one = await getHost(h.id);
      expect(h.freeMemoryBytes).toBe(one.freeMemoryBytes);
      expect(h).toEqual(one);
    }
    expect(listed[0].freeMemoryBytes).toBeGreaterThan(0);
    expect(listed[0].freeMemoryBytes).toBeLessThan(64 * 1024 * MiB);
  });
});
