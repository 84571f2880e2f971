import { describe, expect, it } from 'vitest';
import {
  isWithin,
  normaliseRepositoryPath,
  overlapReason,
  repositoryPathReason,
  systemTreeReason,
  SYSTEM_TREES,
} from './path-rules';

const pool = { what: 'the VM pool local of host h1', path: '/srv/vmops/h1/pool' };
const images = { what: 'the image repository', path: '/srv/shared/images' };

describe('repository path rules', () => {
  it('normalises: absolute, no NUL, no "..", no "." or doubled or trailing slashes', () => {
    expect(normaliseRepositoryPath('/srv//backups/./x/')).toEqual({ path: '/srv/backups/x' });
    expect(normaliseRepositoryPath('/srv/backups///')).toEqual({ path: '/srv/backups' });
    expect(normaliseRepositoryPath('/')).toEqual({ path: '/' });
    expect(normaliseRepositoryPath('srv/backups')).toEqual({ reason: expect.stringMatching(/absolute/) });
    expect(normaliseRepositoryPath('/srv/\0x')).toEqual({ reason: expect.stringMatching(/NUL/) });
    for (const p of ['/srv/backups/../../etc', '/srv/..', '/srv/x/..', '/../etc'])
      expect(normaliseRepositoryPath(p), p).toEqual({ reason: expect.stringMatching(/"\.\."/) });
    expect(normaliseRepositoryPath('/srv/..backups/a..b')).toEqual({ path: '/srv/..backups/a..b' }); // only whole ".." segments
  });

  it('refuses every system tree, anything inside one and anything holding one', () => {
    for (const t of SYSTEM_TREES) {
      expect(systemTreeReason(t), t).toMatch(/system directory/);
      expect(systemTreeReason(`${t}/x/y`), t).toMatch(new RegExp(`inside ${t.replace('+', '\\+')}`));
    }
    expect(systemTreeReason('/')).toMatch(/contains the system directory/);
    expect(systemTreeReason('/var')).toBe('/var contains the system directory /var/lib');
    expect(systemTreeReason('/proc/x')).toBe('/proc/x is inside /proc, a system directory');
    expect(systemTreeReason('/etcetera')).toBeNull(); // a prefix is not a parent
    expect(systemTreeReason('/var/backups/vmops')).toBeNull();
  });

  it('refuses shared dirs themselves but allows directories inside them', () => {
    for (const p of ['/tmp', '/var/tmp', '/home', '/mnt', '/srv'])
      expect(systemTreeReason(p), p).toMatch(/shared by the whole system/);
    for (const p of ['/tmp/vmops-backups', '/home/ops/backups', '/mnt/nas/backups', '/srv/backups'])
      expect(systemTreeReason(p), p).toBeNull();
  });

  it('refuses overlap either way, naming what it overlaps', () => {
    expect(overlapReason('/srv/vmops/h1/pool', [pool])).toBe(
      '/srv/vmops/h1/pool is the VM pool local of host h1 (/srv/vmops/h1/pool)',
    );
    expect(overlapReason('/srv/vmops/h1/pool/vms/backups', [pool])).toMatch(/is inside the VM pool local of host h1/);
    expect(overlapReason('/srv/vmops', [pool])).toBe(
      '/srv/vmops contains the VM pool local of host h1 (/srv/vmops/h1/pool)',
    );
    expect(overlapReason('/srv/shared', [pool, images])).toMatch(/contains the image repository/);
    expect(overlapReason('/srv/vmops/h1/pool2', [pool])).toBeNull();
    expect(overlapReason('/srv/backups', [pool, images])).toBeNull();
  });

  it('combines the rules in order: shape, system, overlap', () => {
    expect(repositoryPathReason('/srv/x/../../etc', [pool])).toMatch(/"\.\."/);
    expect(repositoryPathReason('/etc/', [pool])).toMatch(/system directory/);
    expect(repositoryPathReason('/srv/vmops/h1/pool/', [pool])).toMatch(/is the VM pool/);
    expect(repositoryPathReason('/srv/backups/', [pool])).toBeNull();
    expect(isWithin('/a/b', '/')).toBe(true);
    expect(isWithin('/ab', '/a')).toBe(false);
  });
});
