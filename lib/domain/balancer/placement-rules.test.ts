import { describe, expect, it } from 'vitest';
import type { RuleDto } from './dto';
import { placementRules } from './placement-rules';

const apart: RuleDto = { id: 'r-apart', kind: 'vm-vm-anti-affinity', name: 'web apart', tag: 'web' };
const dbHosts: RuleDto = {
  id: 'r-db',
  kind: 'vm-host-affinity',
  name: 'db on fast hosts',
  tag: 'db',
  hostIds: ['h1', 'h3'],
  strength: 'must',
};
const prefer: RuleDto = {
  id: 'r-pref',
  kind: 'vm-host-affinity',
  name: 'cache near h1',
  tag: 'cache',
  hostIds: ['h1'],
  strength: 'should',
};
const names: Record<string, string> = { h1: 'alpha', h2: 'beta', h3: 'gamma' };
const vm = (id: string, tags: string[], ...hostIds: string[]) => ({ id, name: `vm-${id}`, tags, hostIds });

describe('placementRules', () => {
  it('a must rule allows only its hosts, and says which by name', () => {
    const r = placementRules([dbHosts], [vm('a', ['db'], 'h1')], (id) => names[id]);
    expect(r.breaks('a', 'h3')).toBeNull();
    expect(r.breaks('a', 'h2')).toEqual({ rule: dbHosts, why: 'VMs tagged "db" must run on alpha or gamma' });
  });

  it('anti-affinity forbids a host running another VM of the group, not the VM itself', () => {
    const r = placementRules([apart], [vm('a', ['web'], 'h1'), vm('b', ['web'], 'h2'), vm('c', [], 'h3')]);
    expect(r.breaks('a', 'h2')).toEqual({ rule: apart, why: 'VM vm-b, also tagged "web", is on h2' });
    expect(r.breaks('a', 'h3')).toBeNull();
    expect(r.breaks('a', 'h1')).toBeNull();
  });

  it('a VM being migrated counts on both its hosts; a planned move frees the old one', () => {
    const r = placementRules([apart], [vm('a', ['web'], 'h1'), vm('b', ['web'], 'h2', 'h3')]);
    expect(r.breaks('a', 'h2')).not.toBeNull();
    expect(r.breaks('a', 'h3')).not.toBeNull();
    r.place('b', 'h3');
    expect(r.breaks('a', 'h2')).toBeNull();
    expect(r.breaks('a', 'h3')).not.toBeNull();
  });

  it('should rules and VMs without rule tags never forbid a host; an unknown VM has no tags', () => {
    const r = placementRules(
      [apart, dbHosts, prefer],
      [vm('k', ['cache'], 'h1'), vm('w', ['web'], 'h2'), vm('x', [], 'h3')],
    );
    expect(r.breaks('k', 'h2')).toBeNull();
    expect(r.breaks('x', 'h2')).toBeNull();
    expect(r.breaks('nope', 'h2')).toBeNull();
  });
});
