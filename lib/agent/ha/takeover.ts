// POST /v1/ha/takeover: start here a shared-pool VM whose owner host's lease THIS agent has seen
// expire (the per-VM guard of an HA restart). Checks answer at once (404 no vm.json, 409 another
// owner, 409 LEASE_HELD while the owner's lease is not expired here, 503 HA_UNAVAILABLE while
// this host's own lease is not valid); then an operation rewrites vm.json's owner (tmp + rename)
// and starts the VM. QEMU's image locking stays on: a second guard where the storage honours it.
import path from 'node:path';
import { conflict, haUnavailable, invalidInput, leaseHeld, noSuchObject } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import { withDeadline } from '../fs-bounds';
import type { Operations } from '../operations';
import type { Operation, VmRuntime } from '@/lib/agent-protocol/core';
import type { QemuContext } from '../qemu/context';
import { readJson, vmPaths, writeJson } from '../qemu/vm-files';
import type { HaTiming, PeerLease, TakeoverRequest } from '@/lib/agent-protocol/ha';

const READ_MS = 5_000;

export type TakeoverDeps = {
  host: string;
  timing: HaTiming;
  operations: Operations;
  qemu: () => QemuContext; // 501 on the simulated driver
  peer: (host: string) => PeerLease | null;
  mayRunShared: () => boolean;
  start: (id: string) => Promise<VmRuntime>; // the driver's start (guard, lock, launch)
  log: (msg: string) => void;
};

export async function takeover(d: TakeoverDeps, req: TakeoverRequest): Promise<Operation> {
  const q = d.qemu();
  if (req.fromHost === d.host) throw invalidInput({ fromHost: ['must be another host than this one'] });
  const pool = q.pools.find((p) => p.kind === 'shared');
  if (!pool) throw conflict(`host ${d.host} has no shared pool`);
  const vmDir = path.join(path.resolve(pool.path), 'vms', req.vmId);
  const specFile = vmPaths(vmDir).spec;
  const spec = await withDeadline(readJson<VmSpec>(specFile), READ_MS, `reading ${specFile}`).catch(() => null);
  if (!spec || spec.id !== req.vmId) throw noSuchObject('VM', req.vmId);
  if (path.resolve(spec.vmDir) !== vmDir)
    throw conflict(`VM ${req.vmId} was defined at ${spec.vmDir}, not ${vmDir} (shared storage mounted elsewhere?)`);
  const retried = spec.owner === d.host; // a takeover asked again after it moved the owner here
  if (!retried && spec.owner !== req.fromHost)
    throw conflict(`VM ${req.vmId} is owned by ${spec.owner ?? 'no host'}, not ${req.fromHost}`, {
      owner: spec.owner ?? null,
    });
  const requireExpired = () => {
    const peer = d.peer(req.fromHost);
    if (peer?.state === 'expired') return;
    const why = peer
      ? `this host sees it ${peer.state}, unchanged for ${peer.unchangedForMs} ms of ${d.timing.timeoutMs} ms`
      : 'this host has not read it yet';
    throw leaseHeld(req.fromHost, why, { unchangedForMs: peer?.unchangedForMs ?? null, timeoutMs: d.timing.timeoutMs });
  };
  if (!retried) requireExpired();
  if (!d.mayRunShared()) throw haUnavailable(d.host, 'its own lease is not valid');

  return d.operations.start('vm.takeover', `taking over VM ${req.vmId} from ${req.fromHost}`, async () => {
    if (!retried) {
      requireExpired(); // the owner may have come back meanwhile
      const owned: VmSpec = { ...spec, owner: d.host };
      await writeJson(specFile, owned);
      q.vms.specs.set(owned.id, owned);
      d.log(`HA: took over VM ${req.vmId} from ${req.fromHost} (its lease expired)`);
    } else if (!q.vms.specs.has(spec.id)) q.vms.specs.set(spec.id, spec);
    const current = await q.vms.runtime(q.vms.specs.get(spec.id)!);
    if (current.state === 'running' || current.state === 'paused') return current;
    return d.start(spec.id);
  });
}
