import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { VmRegistry } from './vm-registry';

let tmp: Awaited<ReturnType<typeof tempDir>>;
const pool = (kind: 'local' | 'shared') => ({ name: kind, kind, path: path.join(tmp.path, kind) });
const spec = (kind: 'local' | 'shared', id: string, owner?: string) => {
  const vmDir = path.join(tmp.path, kind, 'vms', id);
  return {
    id,
    name: id,
    vcpus: 1,
    memoryMiB: 64,
    pool: kind,
    vmDir,
    diskPath: path.join(vmDir, 'disk0.qcow2'),
    boot: {},
    ...(owner ? { owner } : {}),
  };
};
const write = (s: ReturnType<typeof spec>) => {
  mkdirSync(s.vmDir, { recursive: true });
  writeFileSync(path.join(s.vmDir, 'vm.json'), JSON.stringify(s));
};
const registry = (hostName: string) =>
  new VmRegistry({ hostName, pools: [pool('local'), pool('shared')], accelerator: 'tcg', log: () => {} });

beforeAll(async () => {
  tmp = await tempDir('vmops-registry-');
  write(spec('local', 'mine', 'h1'));
  write(spec('shared', 'shared-h1', 'h1'));
  write(spec('shared', 'shared-h2', 'h2'));
  write(spec('shared', 'legacy'));
});
afterAll(() => tmp.remove());

describe('VmRegistry ownership in a shared pool', () => {
  it('ignores VMs another host owns; owner-less (older) specs are seen by every host', async () => {
    expect((await registry('h1').all()).map((s) => s.id).sort()).toEqual(['legacy', 'mine', 'shared-h1']);
    expect((await registry('h2').all()).map((s) => s.id).sort()).toEqual(['legacy', 'shared-h2']);
  });

  it("keeps each host's run files of a shared VM apart; vm.json stays in the VM directory", async () => {
    const s = spec('shared', 'shared-h1', 'h1');
    const [p1, p2] = [registry('h1').paths(s), registry('h2').paths(s)];
    expect(p1.spec).toBe(path.join(s.vmDir, 'vm.json'));
    expect(p2.spec).toBe(p1.spec);
    expect(p1.run).toBe(path.join(s.vmDir, 'hosts', 'h1', 'run.json'));
    expect(p2.run).toBe(path.join(s.vmDir, 'hosts', 'h2', 'run.json'));
    expect(p1.qmpSocket).not.toBe(p2.qmpSocket);
    // Local pools, and runs started before per-host run dirs existed, keep the flat layout.
    expect(registry('h1').paths(spec('local', 'mine', 'h1')).run).toBe(
      path.join(tmp.path, 'local', 'vms', 'mine', 'run.json'),
    );
    const legacy = spec('shared', 'legacy');
    writeFileSync(path.join(legacy.vmDir, 'run.json'), '{}');
    expect(registry('h1').paths(legacy).run).toBe(path.join(legacy.vmDir, 'run.json'));
  });

  it('does not list a VM that is still arriving', async () => {
    const r = registry('h1');
    await r.scanPools();
    r.incoming.add('shared-h1');
    expect((await r.all()).map((s) => s.id)).not.toContain('shared-h1');
    expect(await r.find('shared-h1')).not.toBeNull();
  });
});
