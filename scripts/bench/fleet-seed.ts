// A fleet as enrolled agents would leave it, written straight into a migrated database: H simulated
// hosts (driver "simulated", labelled so on every page), V running VMs spread over them, an admin.
// Each host's heartbeat bearer is `fleet-token-<i>` (only its hash is stored, as enrollment does).
import bcrypt from 'bcryptjs';
import { db } from '@/lib/db/client';
import { sha256Hex } from '@/lib/domain/hosts/credentials';

export type Fleet = { hosts: { id: string; token: string; vmIds: string[] }[]; password: string };

const GiB = 1024 ** 3;
const pad = (n: number, w: number) => String(n).padStart(w, '0');
export const inBatches = async <T>(rows: T[], write: (batch: T[]) => Promise<unknown>) => {
  for (let i = 0; i < rows.length; i += 500) await write(rows.slice(i, i + 500));
};

export async function seedFleet(hostCount: number, vmCount: number): Promise<Fleet> {
  const password = 'fleet-bench-password';
  await db().user.create({
    data: { username: 'admin', name: 'Admin', role: 'admin', passwordHash: await bcrypt.hash(password, 10) },
  });
  const image = await db().image.create({ data: { name: 'fleet-image', version: '1', status: 'ready' } });
  const hosts = Array.from({ length: hostCount }, (_, i) => ({
    id: `fh-${pad(i, 5)}`,
    token: `fleet-token-${i}`,
    vmIds: [] as string[],
  }));
  for (let v = 0; v < vmCount; v++) hosts[v % hostCount].vmIds.push(`fleet-vm-${pad(v, 6)}`);
  await inBatches(hosts, (batch) =>
    db().host.createMany({
      data: batch.map((h) => ({
        id: h.id,
        name: `sim-${h.id.slice(3)}`,
        agentUrl: 'http://127.0.0.1:9', // never called by the measured reads
        agentTokenHash: sha256Hex(h.token),
        driver: 'simulated',
        lastHeartbeat: new Date(),
        cpuCount: 64,
        memoryTotalBytes: BigInt(512 * GiB),
      })),
    }),
  );
  const vms = hosts.flatMap((h) => h.vmIds.map((id) => ({ id, hostId: h.id })));
  await inBatches(vms, (batch) =>
    db().vm.createMany({
      data: batch.map((v) => ({
        id: v.id,
        name: v.id,
        hostId: v.hostId,
        imageId: image.id,
        state: 'running',
        guestReady: true,
        vcpus: 2,
        memoryMiB: 2048,
        diskSizeBytes: BigInt(20 * GiB),
        tags: '["fleet"]',
      })),
    }),
  );
  return { hosts, password };
}

// One heartbeat of host h: the shape lib/agent-protocol/core.ts requires, figures varying a little.
export function heartbeatOf(h: Fleet['hosts'][number]) {
  const r = () => Math.random();
  return {
    at: new Date().toISOString(),
    info: {
      hostName: `sim-${h.id.slice(3)}`,
      agentVersion: '1.0.0',
      driver: 'simulated',
      qemuVersion: null,
      accelerator: 'tcg',
      acceleratorReason: 'simulated fleet',
      cpuCount: 64,
      cpuModel: 'simulated',
      memoryTotalBytes: 512 * GiB,
      kernel: 'simulated',
      pools: [{ name: 'local', kind: 'local', path: `/fleet/${h.id}`, totalBytes: 4096 * GiB, freeBytes: 2048 * GiB }],
    },
    host: { cpuPct: 20 + 30 * r(), memUsedBytes: 200 * GiB, memTotalBytes: 512 * GiB, load1: 8, load5: 8, load15: 8 },
    vms: h.vmIds.map((id) => ({
      id,
      state: 'running',
      guestReady: true,
      cpuPct: 100 * r(),
      rssBytes: 2 * GiB * r(),
      diskRdBytes: 1e6,
      diskWrBytes: 2e6,
      diskRdOps: 10,
      diskWrOps: 20,
    })),
  };
}
