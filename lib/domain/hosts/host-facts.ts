import 'server-only';
import { db } from '@/lib/db/client';
import type { AgentInfo } from '@/lib/agent-protocol/core';

const bytes = (n: number) => BigInt(Math.round(n));

// The host columns an agent's facts fill (memory as whole bytes).
export const hostFactsOf = (info: AgentInfo) => ({
  driver: info.driver,
  site: info.site,
  agentVersion: info.agentVersion,
  qemuVersion: info.qemuVersion,
  accelerator: info.accelerator,
  acceleratorReason: info.acceleratorReason,
  cpuCount: info.cpuCount,
  cpuModel: info.cpuModel,
  memoryTotalBytes: Math.round(info.memoryTotalBytes),
});

// Host facts the agent reports at enrollment, in one write; then the storage pools. (Heartbeats
// write theirs in their batch: heartbeat-sql.ts.)
export async function applyAgentInfo(hostId: string, info: AgentInfo): Promise<void> {
  await db().host.update({
    where: { id: hostId },
    data: { ...hostFactsOf(info), memoryTotalBytes: bytes(info.memoryTotalBytes) },
  });
  for (const p of info.pools) {
    const data = { kind: p.kind, path: p.path, totalBytes: bytes(p.totalBytes), freeBytes: bytes(p.freeBytes) };
    await db().storagePool.upsert({
      where: { hostId_name: { hostId, name: p.name } },
      create: { hostId, name: p.name, ...data },
      update: data,
    });
  }
}

// A host's facts as stored: what a heartbeat's are compared with.
export type StoredFacts = {
  driver: string;
  site: string;
  agentVersion: string;
  qemuVersion: string | null;
  accelerator: string;
  acceleratorReason: string;
  cpuCount: number;
  cpuModel: string;
  memoryTotalBytes: bigint;
  pools: { name: string; kind: string; path: string; totalBytes: bigint; freeBytes: bigint }[];
};

// Whether a heartbeat's facts differ from the stored row: most heartbeats repeat them, and
// skipping the write keeps a heartbeat's cost independent of them.
export function factsChanged(host: StoredFacts, info: AgentInfo): boolean {
  const same =
    host.driver === info.driver &&
    host.site === info.site &&
    host.agentVersion === info.agentVersion &&
    host.qemuVersion === info.qemuVersion &&
    host.accelerator === info.accelerator &&
    host.acceleratorReason === info.acceleratorReason &&
    host.cpuCount === info.cpuCount &&
    host.cpuModel === info.cpuModel &&
    host.memoryTotalBytes === bytes(info.memoryTotalBytes);
  return (
    !same ||
    info.pools.some((p) => {
      const s = host.pools.find((x) => x.name === p.name);
      return (
        !s ||
        s.kind !== p.kind ||
        s.path !== p.path ||
        s.totalBytes !== bytes(p.totalBytes) ||
        s.freeBytes !== bytes(p.freeBytes)
      );
    })
  );
}
