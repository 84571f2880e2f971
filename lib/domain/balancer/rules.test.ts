import { describe, expect, it } from 'vitest';
import { AppError, invalidInput } from '@/lib/errors';
import { parseInput } from '@/lib/http/validation';
import type { RuleDto } from './dto';
import { ruleConflicts, type RuleContext } from './rules';
import { balancerPolicySchema } from './schemas';

const anti = (id: string, tag: string): RuleDto => ({ id, kind: 'vm-vm-anti-affinity', name: `spread ${tag}`, tag });
const pin = (id: string, tag: string, hostIds: string[], strength: 'must' | 'should' = 'must'): RuleDto => ({
  id,
  kind: 'vm-host-affinity',
  name: `pin ${id}`,
  tag,
  hostIds,
  strength,
});
const ctx: RuleContext = {
  hosts: [
    { id: 'h1', name: 'one' },
    { id: 'h2', name: 'two' },
    { id: 'h3', name: 'three' },
  ],
  vms: [
    { id: 'v1', name: 'web-1', tags: ['web', 'eu'] },
    { id: 'v2', name: 'web-2', tags: ['web'] },
    { id: 'v3', name: 'web-3', tags: ['web'] },
    { id: 'v4', name: 'db-1', tags: ['db'] },
  ],
};

describe('ruleConflicts', () => {
  it.each([
    { name: 'no rules', rules: [], conflict: null },
    {
      name: 'overlapping must-rules on one tag',
      rules: [pin('a', 'db', ['h1', 'h2']), pin('b', 'db', ['h2', 'h3'])],
      conflict: null,
    },
    {
      name: 'disjoint must-rules on one tag',
      rules: [pin('a', 'db', ['h1']), pin('b', 'db', ['h2'])],
      conflict: { index: 1, text: 'allow no host in common' },
    },
    {
      name: 'disjoint should-rules are only preferences',
      rules: [pin('a', 'db', ['h1'], 'should'), pin('b', 'db', ['h2'], 'should')],
      conflict: null,
    },
    {
      name: 'anti-affinity pinned to one host',
      rules: [pin('a', 'web', ['h1']), anti('b', 'web')],
      conflict: { index: 1, text: 'pins them all to 1 host' },
    },
    {
      name: 'duplicate ids',
      rules: [anti('a', 'web'), anti('a', 'db')],
      conflict: { index: 1, text: 'Duplicate rule id' },
    },
  ])('without context: $name', ({ rules, conflict }) => {
    const out = ruleConflicts(rules);
    if (!conflict) expect(out).toEqual([]);
    else expect(out).toEqual([{ index: conflict.index, message: expect.stringContaining(conflict.text) }]);
  });

  it.each([
    { name: 'unknown host', rules: [pin('a', 'db', ['h9'])], text: 'unknown host(s): h9' },
    {
      name: 'a VM whose two tags pin it to disjoint hosts',
      rules: [pin('a', 'web', ['h1', 'h2', 'h3']), pin('b', 'eu', ['h3']), pin('c', 'db', ['h1'])],
      text: null,
    },
    {
      name: 'a VM whose tags pin it nowhere',
      rules: [pin('a', 'web', ['h1', 'h2']), pin('b', 'eu', ['h3'])],
      text: 'VM web-1 carries tags whose must-rules allow no host in common',
    },
    {
      name: 'three anti-affine VMs pinned to two hosts',
      rules: [anti('a', 'web'), pin('b', 'web', ['h1', 'h2'])],
      text: 'needs 3 distinct hosts for VMs tagged "web" but only 2 are allowed',
    },
    { name: 'three anti-affine VMs on three hosts', rules: [anti('a', 'web')], text: null },
  ])('with the cluster: $name', ({ rules, text }) => {
    const out = ruleConflicts(rules, ctx);
    if (!text) expect(out).toEqual([]);
    else expect(out.map((c) => c.message)).toContainEqual(expect.stringContaining(text));
  });
});

describe('balancerPolicySchema', () => {
  const policy = {
    mode: 'recommend',
    intervalSec: 300,
    cpuThresholdPct: 80,
    memThresholdPct: 85,
    maxConcurrent: 2,
    cooldownMin: 30,
    excludedVmIds: [],
    rules: [],
  };
  const fieldsOf = (input: unknown) => {
    try {
      parseInput(balancerPolicySchema, input);
    } catch (err) {
      if (invalidInput.is(err)) return (err as AppError).data!.fields as Record<string, string[]>;
      throw err;
    }
    return null;
  };

  it('accepts a valid policy', () => expect(fieldsOf({ ...policy, rules: [anti('a', 'web')] })).toBeNull());
  it('rejects conflicting rules with the reason on the rule (422)', () => {
    expect(fieldsOf({ ...policy, rules: [pin('a', 'db', ['h1']), pin('b', 'db', ['h2'])] })).toEqual({
      'rules.1': [expect.stringContaining('allow no host in common')],
    });
  });
  it.each([
    { name: 'unknown field', input: { ...policy, extra: 1 }, field: 'extra' },
    {
      name: 'unknown rule field',
      input: { ...policy, rules: [{ ...anti('a', 'web'), hostIds: ['h1'] }] },
      field: 'rules.0.hostIds',
    },
    { name: 'mode', input: { ...policy, mode: 'sometimes' }, field: 'mode' },
    { name: 'threshold above 100', input: { ...policy, cpuThresholdPct: 120 }, field: 'cpuThresholdPct' },
    { name: 'interval too short', input: { ...policy, intervalSec: 5 }, field: 'intervalSec' },
    { name: 'affinity without hosts', input: { ...policy, rules: [pin('a', 'db', [])] }, field: 'rules.0.hostIds' },
  ])('rejects $name', ({ input, field }) => expect(Object.keys(fieldsOf(input) ?? {})).toContain(field));
});
