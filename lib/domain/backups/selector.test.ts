import { describe, expect, it } from 'vitest';
import { matchVms, missingVmIds } from './selector';

const vms = [
  { id: 'a', name: 'web-1', tags: ['prod', 'web'] },
  { id: 'b', name: 'db-1', tags: ['prod'] },
  { id: 'c', name: 'dev-1', tags: [] },
];

describe('VM selector', () => {
  it('matches listed ids plus every VM with a selected tag, each once', () => {
    expect(matchVms({ vmIds: ['c', 'a'], tags: ['prod'] }, vms).map((v) => v.id)).toEqual(['a', 'b', 'c']);
    expect(matchVms({ vmIds: [], tags: ['web'] }, vms).map((v) => v.id)).toEqual(['a']);
  });
  it('a deleted VM drops out and is reported as missing', () => {
    expect(matchVms({ vmIds: ['gone', 'c'], tags: [] }, vms).map((v) => v.id)).toEqual(['c']);
    expect(missingVmIds({ vmIds: ['gone', 'c'], tags: [] }, vms)).toEqual(['gone']);
  });
});
